"""The daily kinds, checked after the daily pull: 52-week high/low, relative volume, RSI 14 and
the SMA 50/200 cross, from each rule's symbol's stored daily bars.

`daily_figures` is the one place these figures come from; once the screener's daily snapshot
is in the database it can read them there instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine

from stockdash import calendar, store
from stockdash.alerts import rules as rules_db
from stockdash.alerts.channels import Channel
from stockdash.alerts.checker import metric
from stockdash.alerts.firing import Fired, observe
from stockdash.alerts.kinds import DAILY, SPECS, Kind
from stockdash.alerts.messages import Observation

log = logging.getLogger("stockdash.alerts")

YEAR_SESSIONS = 252
RVOL_SESSIONS = 20
RSI_PERIOD = 14
HISTORY_DAYS = 420  # calendar days read: enough for SMA 200 and a 52-week window plus a day


@dataclass(frozen=True)
class DayFigures:
    day: date
    close: float
    pct_today: float | None
    metrics: dict[str, float]


def rsi(closes: np.ndarray, period: int = RSI_PERIOD) -> np.ndarray:
    """Wilder's RSI as TA-Lib defines it (first average a plain mean of `period` changes); NaN before."""
    out = np.full(len(closes), np.nan)
    if len(closes) <= period:
        return out
    change = np.diff(closes)
    gain, loss = np.clip(change, 0, None), np.clip(-change, 0, None)
    avg_gain, avg_loss = gain[:period].mean(), loss[:period].mean()
    for i in range(period, len(closes)):
        if i > period:
            avg_gain = (avg_gain * (period - 1) + gain[i - 1]) / period
            avg_loss = (avg_loss * (period - 1) + loss[i - 1]) / period
        total = avg_gain + avg_loss
        out[i] = 100 * avg_gain / total if total else 50.0
    return out


def _sma(values: np.ndarray, n: int, end: int) -> float | None:
    return float(values[end - n + 1 : end + 1].mean()) if end + 1 >= n else None


def daily_figures(conn: Connection, symbol: str, as_of: date, *, days: int = 2) -> list[DayFigures]:
    """The figures of the last `days` sessions up to `as_of` (oldest first), from stored bars."""
    bars = store.load_bars(conn, symbol, start=as_of - timedelta(days=HISTORY_DAYS), end=as_of)
    bars = bars.dropna(subset=["close"])
    if bars.empty:
        return []
    close = bars["close"].to_numpy()
    high = bars["high"].fillna(bars["close"]).to_numpy()
    low = bars["low"].fillna(bars["close"]).to_numpy()
    volume = bars["volume"].to_numpy()
    rsis = rsi(close)
    figures = []
    for i in range(max(0, len(bars) - days), len(bars)):
        m: dict[str, float] = {}
        if i >= 1:
            start = max(0, i - YEAR_SESSIONS + 1)
            m[Kind.HIGH_52W] = (close[i] / high[start:i].max() - 1) * 100
            m[Kind.LOW_52W] = (close[i] / low[start:i].min() - 1) * 100
        if i >= RVOL_SESSIONS and np.isfinite(volume[i]):
            average = np.nanmean(volume[i - RVOL_SESSIONS : i])
            if average > 0:
                m[Kind.RVOL] = float(volume[i] / average)
        if np.isfinite(rsis[i]):
            m[Kind.RSI_BELOW] = m[Kind.RSI_ABOVE] = float(rsis[i])
        fast, slow = _sma(close, 50, i), _sma(close, 200, i)
        if fast is not None and slow:
            m[Kind.GOLDEN_CROSS] = m[Kind.DEATH_CROSS] = (fast / slow - 1) * 100
        pct = (close[i] / close[i - 1] - 1) * 100 if i >= 1 and close[i - 1] else None
        figures.append(
            DayFigures(
                day=bars["date"].iloc[i],
                close=float(close[i]),
                pct_today=pct,
                metrics={str(k): v for k, v in m.items()},
            )
        )
    return figures


def check_daily(
    engine: Engine,
    channels: list[Channel],
    *,
    app_url: str | None,
    as_of: date | None = None,
    now: datetime | None = None,
) -> list[Fired]:
    """Step every enabled daily rule on its symbol's last two sessions (a session already seen
    is skipped, so running it twice fires nothing new); the firings."""
    now = now or datetime.now(UTC)
    as_of = as_of or calendar.last_closed_session(now)
    with engine.connect() as conn:
        rules = rules_db.all_rules(conn, enabled_only=True, kinds=DAILY)
        figures = {s: daily_figures(conn, s, as_of) for s in {r.symbol for r in rules}}
    fired = []
    for rule in rules:
        state = rule.state
        days = figures[rule.symbol]
        for day in days:
            if day is not days[-1] and not SPECS[rule.kind].crossing:
                continue  # an earlier session only gives a crossing kind its side; for others it is old news
            obs = Observation(
                symbol=rule.symbol,
                at=calendar.close_time(day.day),
                received_at=now,
                price=day.close,
                pct_today=day.pct_today,
                metrics=day.metrics,
                daily=True,
            )
            value = metric(rule, obs)
            if value is None:
                continue
            state, fresh = observe(
                engine, replace(rule, state=state), obs, value, channels=channels, app_url=app_url, now=now
            )
            if fresh is not None:
                fired.append(fresh)
    log.info("alerts daily check as_of=%s rules=%d fired=%d", as_of, len(rules), len(fired))
    return fired
