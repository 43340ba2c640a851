"""Demo one-minute bars: each session's minutes walk from its daily open to its daily close.

The walk is a Brownian bridge seeded by symbol and day, so the same minutes come back whatever
window is asked, and it stays inside the day's low and high: a 1D chart of demo data ends on
the close the daily chart shows. Stocks trade the regular session (09:30 to the close, 13:00 on
half days); symbols that trade around the clock get the whole New York day.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd

from stockdash.calendar import NEW_YORK, close_time
from stockdash.providers.base import MINUTE_COLUMNS, empty_minutes
from stockdash.universe import catalogue

REGULAR_OPEN = time(9, 30)
AROUND_THE_CLOCK = {"crypto", "fx"}  # the universe's kinds with no closing bell


def _minutes_of(symbol: str, day: date) -> pd.DatetimeIndex:
    """The minute starts of `day`'s trading, tz-aware New York."""
    if catalogue().loc[symbol, "kind"] in AROUND_THE_CLOCK:
        first = datetime.combine(day, time(0, 0), NEW_YORK)
        last = datetime.combine(day + timedelta(days=1), time(0, 0), NEW_YORK)
    else:
        first = datetime.combine(day, REGULAR_OPEN, NEW_YORK)
        last = close_time(day)
    return pd.date_range(first, last, freq="1min", inclusive="left")


def _volume_weights(stamps: pd.DatetimeIndex) -> np.ndarray:
    """More trading near the open and the close than at noon (the usual U)."""
    position = np.linspace(0.0, 1.0, len(stamps))
    weights = 1.0 + 3.0 * (position - 0.5) ** 2 * 4
    return weights / weights.sum()


def session_minutes(symbol: str, day: date, *, open_: float, high: float, low: float, close: float,
                    volume: int) -> pd.DataFrame:  # fmt: skip
    """One session's minutes (MINUTE_COLUMNS): first open is the day's open, last close its close."""
    stamps = _minutes_of(symbol, day)
    n = len(stamps)
    if n == 0:
        return empty_minutes()
    rng = np.random.default_rng(zlib.crc32(f"minutes|{symbol}|{day}".encode()))
    t = np.linspace(0.0, 1.0, n + 1)
    walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n))])
    bridge = walk - t * walk[-1]  # zero at both ends
    base = open_ + (close - open_) * t
    # The largest swing that keeps every point inside [low, high]: the walk touches one of them.
    up, down = bridge > 0, bridge < 0
    room = np.concatenate([(high - base[up]) / bridge[up], (low - base[down]) / bridge[down]])
    path = base + bridge * max(0.0, float(room.min()) if room.size else 0.0)
    opens, closes = path[:-1], path[1:]
    wiggle = np.abs(rng.standard_normal(n)) * (high - low) * 0.01
    shares = np.floor(volume * _volume_weights(stamps)).astype("int64")
    return pd.DataFrame(
        {
            "minute": [s.to_pydatetime() for s in stamps.tz_convert(UTC)],
            "open": opens,
            "high": np.minimum(np.maximum(opens, closes) + wiggle, high),
            "low": np.maximum(np.minimum(opens, closes) - wiggle, low),
            "close": closes,
            "volume": shares,
        },
        columns=MINUTE_COLUMNS,
    )


def minutes_from_daily(symbol: str, daily: pd.DataFrame, *, start: datetime, end: datetime) -> pd.DataFrame:
    """The minutes of every daily bar (BAR_COLUMNS) whose minutes fall in start <= minute < end."""
    parts = [
        session_minutes(
            symbol,
            bar.date,
            open_=float(bar.open),
            high=float(bar.high),
            low=float(bar.low),
            close=float(bar.close),
            volume=int(bar.volume),
        )
        for bar in daily.itertuples()
    ]
    parts = [p[(p["minute"] >= start) & (p["minute"] < end)] for p in parts if not p.empty]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else empty_minutes()
