"""Offline live prices: a deterministic random walk from each symbol's last stored daily close.

Volatility is realistic for a day (1-3 % a day, spread over the seconds of the regular session),
volume follows the U shape of a real session (busy open and close, quiet midday, thin pre/post).
The same symbol, day and second always give the same price, so runs are reproducible.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from stockdash.calendar import NEW_YORK
from stockdash.live.frames import Quote
from stockdash.live.hours import session_at, trades_around_the_clock
from stockdash.providers import demo_markets
from stockdash.schema import daily_bars

REGULAR_SECONDS = 6.5 * 3600
DEFAULT_VOLUME = 5_000_000
U_MEAN = 1.5  # the mean of volume_weight over the regular session, so a day trades its daily volume


def _seed(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def volume_weight(moment: datetime) -> float:
    """Relative trading intensity at `moment`: a U over the regular session, a trickle outside it."""
    local = moment.astimezone(NEW_YORK)
    x = (local.hour * 60 + local.minute - 570) / 390  # 0 at 09:30, 1 at 16:00
    if 0 <= x < 1:
        return 1.0 + 6.0 * (x - 0.5) ** 2  # 2.5x at the bells, 1x at noon
    return 0.08


@dataclass
class Walk:
    """One symbol's walk for one New York day, advanced a minute of seconds at a time."""

    symbol: str
    day: date
    previous_close: float
    daily_volume: float
    sigma: float  # per-second volatility of log price
    price: float = 0.0
    day_volume: float = 0.0
    minute: int = -1  # last minute of the day generated
    _path: np.ndarray = field(default_factory=lambda: np.empty(0))
    _volumes: np.ndarray = field(default_factory=lambda: np.empty(0))

    def at(self, moment: datetime) -> tuple[float, int]:
        """Price and day volume at `moment` (same day, not before the last asked)."""
        local = moment.astimezone(NEW_YORK)
        minute = local.hour * 60 + local.minute
        while self.minute < minute:
            self._advance()
        index = min(local.second, 59)
        return float(self._path[index]), int(self._volumes[index])

    def _advance(self) -> None:
        self.minute += 1
        rng = np.random.default_rng(_seed("demo-live", self.symbol, self.day, self.minute))
        start = self.price or self.previous_close
        self._path = start * np.exp(np.cumsum(self.sigma * rng.standard_normal(60)))
        self.price = float(self._path[-1])
        moment = datetime.combine(self.day, datetime.min.time(), NEW_YORK) + timedelta(minutes=self.minute)
        per_second = self.daily_volume * volume_weight(moment) / (U_MEAN * REGULAR_SECONDS)
        traded = per_second * rng.uniform(0.5, 1.5, 60)
        self._volumes = self.day_volume + np.cumsum(traded)
        self.day_volume = float(self._volumes[-1])


class DemoFeed:
    """Quotes for any symbols at any moment, from closes read once from the database."""

    def __init__(self, closes: dict[str, tuple[float, float]]) -> None:
        self.closes = closes  # symbol -> (last close, last daily volume)
        self._walks: dict[str, Walk] = {}

    @classmethod
    def from_database(cls, conn: Connection, symbols: list[str]) -> DemoFeed:
        return cls(last_closes(conn, symbols))

    def quote(self, symbol: str, moment: datetime) -> Quote:
        day = moment.astimezone(NEW_YORK).date()
        walk = self._walks.get(symbol)
        if walk is None or walk.day != day:
            walk = self._walks[symbol] = self._walk(symbol, day)
        price, volume = walk.at(moment)
        change = price - walk.previous_close
        session = session_at(moment)
        if session == "closed":
            session = "regular" if trades_around_the_clock(symbol) else "post"
        return Quote(
            symbol=symbol,
            time=moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000),  # ms
            price=round(price, 4),
            change=round(change, 4),
            pct_change=round(change / walk.previous_close * 100, 4),
            day_volume=volume,
            session=session,
            source="demo",
        )

    def _walk(self, symbol: str, day: date) -> Walk:
        rng = np.random.default_rng(_seed("demo-profile", symbol))
        close, volume = self.closes.get(symbol) or _unstored_close(symbol, day, rng)
        daily_vol = demo_markets.daily_volatility(symbol) or float(rng.uniform(0.01, 0.03))
        return Walk(symbol, day, close, volume or DEFAULT_VOLUME, daily_vol / math.sqrt(REGULAR_SECONDS))


def _unstored_close(symbol: str, day: date, rng: np.random.Generator) -> tuple[float, float]:
    """A start for a symbol with no stored close: the demo provider's last close before `day`
    (bitcoin near its level, EUR/USD near 1.1), or an invented share price outside the universe."""
    from stockdash.providers.demo import DemoProvider  # pandas-heavy: only when a close is missing

    bars = (
        DemoProvider(today=day - timedelta(days=1))
        .fetch_daily([symbol], start=day - timedelta(days=10), end=day - timedelta(days=1))
        .bars
    )
    if not bars.empty:
        return float(bars["close"].iloc[-1]), float(bars["volume"].iloc[-1])
    return float(rng.uniform(20, 400)), DEFAULT_VOLUME


def last_closes(conn: Connection, symbols: list[str]) -> dict[str, tuple[float, float]]:
    """Each symbol's latest stored daily close and volume."""
    if not symbols:
        return {}
    latest = (
        select(daily_bars.c.symbol, func.max(daily_bars.c.date).label("date"))
        .where(daily_bars.c.symbol.in_(symbols))
        .group_by(daily_bars.c.symbol)
        .subquery()
    )
    rows = conn.execute(
        select(daily_bars.c.symbol, daily_bars.c.close, daily_bars.c.volume).join(
            latest, (daily_bars.c.symbol == latest.c.symbol) & (daily_bars.c.date == latest.c.date)
        )
    )
    return {s: (float(c), float(v or DEFAULT_VOLUME)) for s, c, v in rows}
