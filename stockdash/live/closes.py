"""The last stored daily session of each symbol, for when nothing streams: a closed market still
shows its last close (and its daily candle when no minute bars of that session are stored), or the
last pre- or post-market trade when there was one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Connection, func, select

from stockdash.calendar import NEW_YORK
from stockdash.live.hours import session_at, trades_around_the_clock, trading_day
from stockdash.live.latest import LiveQuote
from stockdash.schema import daily_bars


@dataclass(frozen=True)
class DailySession:
    """A symbol's newest stored daily bar on or before a day, and the close before it."""

    symbol: str
    day: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: int | None
    previous: float | None  # the close of the stored session before (None when only one)

    @property
    def change(self) -> float | None:
        return None if self.previous is None else self.close - self.previous

    @property
    def pct_change(self) -> float | None:
        return None if not self.previous else (self.close / self.previous - 1) * 100

    def previous_close_for(self, day: date) -> float | None:
        """The close a change on `day` is measured against: the one before when this is that
        day's own session, else this session's close."""
        return self.previous if self.day == day else self.close


def last_sessions(conn: Connection, symbols: Sequence[str], *, on_or_before: date) -> dict[str, DailySession]:
    """The newest daily bar of each symbol dated `on_or_before` or earlier, with the close before
    it: one query, read off the (symbol, date) key."""
    if not symbols:
        return {}
    newest = func.row_number().over(partition_by=daily_bars.c.symbol, order_by=daily_bars.c.date.desc())
    cols = [daily_bars.c[c] for c in ("symbol", "date", "open", "high", "low", "close", "volume")]
    ranked = (
        select(*cols, newest.label("n"))
        .where(daily_bars.c.symbol.in_(list(symbols)), daily_bars.c.date <= on_or_before)
        .subquery()
    )
    stmt = select(ranked).where(ranked.c.n <= 2).order_by(ranked.c.symbol, ranked.c.n)
    found: dict[str, DailySession] = {}
    for r in conn.execute(stmt):
        if r.symbol in found:
            last = found[r.symbol]
            found[r.symbol] = DailySession(**{**last.__dict__, "previous": float(r.close)})
            continue
        found[r.symbol] = DailySession(
            symbol=r.symbol,
            day=r.date,
            open=None if r.open is None else float(r.open),
            high=None if r.high is None else float(r.high),
            low=None if r.low is None else float(r.low),
            close=float(r.close),
            volume=None if r.volume is None else int(r.volume),
            previous=None,
        )
    return found


@dataclass(frozen=True)
class LastPrice:
    """What a watchlist shows of a symbol, live or not: its last price and where it comes from."""

    price: float
    change: float | None
    pct_change: float | None
    volume: int | None
    time: datetime
    session: str  # regular | pre | post | close | day24


def last_price(
    symbol: str, quote: LiveQuote | None, close: DailySession | None, now: datetime
) -> LastPrice | None:
    """The newest of the latest quote and the last stored close: a quote of today's session (or the
    last pre- or post-market trade) is shown as it is; an older quote gives way to a newer close."""
    if quote is not None and (close is None or quote.time.astimezone(NEW_YORK).date() >= close.day):
        return LastPrice(
            quote.price,
            quote.change,
            quote.pct_change,
            quote.day_volume,
            quote.time,
            _label(symbol, quote, now),
        )
    if close is None:
        return None
    edges = trading_day(close.day)
    closed_at = edges.close if edges else datetime.combine(close.day, time(16), NEW_YORK)
    return LastPrice(close.close, close.change, close.pct_change, close.volume, closed_at, "close")


def _label(symbol: str, quote: LiveQuote, now: datetime) -> str:
    if trades_around_the_clock(symbol):
        return "day24"
    if quote.session in ("pre", "post"):
        return quote.session
    today = now.astimezone(NEW_YORK).date()
    live = session_at(now) == "regular" and quote.time.astimezone(NEW_YORK).date() == today
    return "regular" if live else "close"
