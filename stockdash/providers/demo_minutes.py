"""Demo one-minute bars: each session's minutes walk from its daily open to its daily close.

The walk is a Brownian bridge seeded by symbol and day, so the same minutes come back whatever
window is asked, and it stays inside the day's low and high: the regular session of a 1D chart
of demo data ends on the close the daily chart shows. Stocks also trade thinly before (from
04:00, from the previous close to the open) and after (four hours past the close, 13:00 on half
days), as Yahoo's bars with pre- and post-market do; crypto and FX get the whole New York day.
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
PRE_OPEN = time(4, 0)
POST_HOURS = timedelta(hours=4)  # extended trading ends four hours after the close
AROUND_THE_CLOCK = {"crypto", "fx"}  # the universe's kinds with no closing bell
EXTENDED_SHARE = 0.004  # an extended-hours minute trades this share of an average regular minute


def _minutes(first: datetime, last: datetime) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq="1min", inclusive="left")


def _bridge(
    rng: np.random.Generator, n: int, start: float, end: float, low: float, high: float
) -> np.ndarray:
    """n + 1 points from `start` to `end`, wandering as far as [low, high] allows (touching one)."""
    t = np.linspace(0.0, 1.0, n + 1)
    walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n))])
    bridge = walk - t * walk[-1]  # zero at both ends
    base = start + (end - start) * t
    up, down = bridge > 0, bridge < 0
    room = np.concatenate([(high - base[up]) / bridge[up], (low - base[down]) / bridge[down]])
    return base + bridge * max(0.0, float(room.min()) if room.size else 0.0)


def _frame(
    stamps: pd.DatetimeIndex, path: np.ndarray, volume: np.ndarray, wiggle: np.ndarray
) -> pd.DataFrame:
    opens, closes = path[:-1], path[1:]
    return pd.DataFrame(
        {
            "minute": [s.to_pydatetime() for s in stamps.tz_convert(UTC)],
            "open": opens,
            "high": np.maximum(opens, closes) + wiggle,
            "low": np.minimum(opens, closes) - wiggle,
            "close": closes,
            "volume": volume,
        },
        columns=MINUTE_COLUMNS,
    )


def _u_shape(n: int) -> np.ndarray:
    """More trading near the open and the close than at noon (the usual U), summing to 1."""
    position = np.linspace(0.0, 1.0, n)
    weights = 1.0 + 12.0 * (position - 0.5) ** 2
    return weights / weights.sum()


def session_minutes(symbol: str, day: date, *, before: float, open_: float, high: float, low: float,
                    close: float, volume: int) -> pd.DataFrame:  # fmt: skip
    """One day's minutes (MINUTE_COLUMNS). Stocks: pre-market from 04:00 drifting from the
    previous close (`before`) to the open, the regular session from the open to the close inside
    the day's low and high, thin post-market trading for four hours; crypto and FX: the whole day."""
    rng = np.random.default_rng(zlib.crc32(f"minutes|{symbol}|{day}".encode()))
    if catalogue().loc[symbol, "kind"] in AROUND_THE_CLOCK:
        stamps = _minutes(
            datetime.combine(day, time(0), NEW_YORK),
            datetime.combine(day, time(0), NEW_YORK) + timedelta(days=1),
        )
        regular, pre, post = stamps, stamps[:0], stamps[:0]
    else:
        close_at = close_time(day)
        regular = _minutes(datetime.combine(day, REGULAR_OPEN, NEW_YORK), close_at)
        pre = _minutes(
            datetime.combine(day, PRE_OPEN, NEW_YORK), datetime.combine(day, REGULAR_OPEN, NEW_YORK)
        )
        post = _minutes(close_at, close_at + POST_HOURS)
    n = len(regular)
    path = _bridge(rng, n, open_, close, low, high)
    wiggle = np.abs(rng.standard_normal(n)) * (high - low) * 0.01
    # Regular-session bars stay inside the day's range (Yahoo's daily low and high are the session's).
    part = _frame(regular, path, np.floor(volume * _u_shape(n)).astype("int64"), wiggle)
    part["high"] = part["high"].clip(upper=high)
    part["low"] = part["low"].clip(lower=low)
    parts = [part]
    thin = max(1, int(volume / max(n, 1) * EXTENDED_SHARE))
    spread = abs(open_ - before) + 0.002 * close
    if len(pre):
        pre_path = _bridge(
            rng, len(pre), before, open_, min(before, open_) - spread, max(before, open_) + spread
        )
        parts.insert(
            0, _frame(pre, pre_path, np.full(len(pre), thin, dtype="int64"), np.full(len(pre), spread * 0.02))
        )
    if len(post):
        drift = close * (1 + 0.002 * float(rng.standard_normal()))
        post_path = _bridge(
            rng, len(post), close, drift, min(close, drift) - spread, max(close, drift) + spread
        )
        parts.append(
            _frame(
                post, post_path, np.full(len(post), thin, dtype="int64"), np.full(len(post), spread * 0.02)
            )
        )
    return pd.concat(parts, ignore_index=True)


def minutes_from_daily(symbol: str, daily: pd.DataFrame, *, start: datetime, end: datetime) -> pd.DataFrame:
    """The minutes of every daily bar (BAR_COLUMNS) whose minutes fall in start <= minute < end."""
    befores = daily["close"].shift(1).fillna(daily["open"]).to_numpy(dtype=float)
    parts = [
        session_minutes(
            symbol,
            bar.date,
            before=float(before),
            open_=float(bar.open),
            high=float(bar.high),
            low=float(bar.low),
            close=float(bar.close),
            volume=int(bar.volume),
        )
        for bar, before in zip(daily.itertuples(), befores, strict=True)
    ]
    parts = [p[(p["minute"] >= start) & (p["minute"] < end)] for p in parts if not p.empty]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else empty_minutes()
