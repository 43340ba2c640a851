"""Weekly and monthly candles from daily bars.

A weekly bar groups the sessions of one ISO calendar week (Monday to Sunday), a monthly bar
those of one calendar month: the open of its first session, the highest high, the lowest low,
the close and adjusted close of its last session, the summed volume, dated by its first session
(so a week over New Year is one bar, dated by its first session in December).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INTERVALS = {"1d": "Day", "1wk": "Week", "1mo": "Month"}
DAILY = "1d"


def _group_keys(days: np.ndarray, interval: str) -> np.ndarray:
    """The Monday of each day's ISO week, or its calendar month."""
    if interval == "1mo":
        return days.astype("datetime64[M]")
    # 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, is the ISO weekday from Monday = 0.
    day_numbers = days.astype("int64")
    return (day_numbers - (day_numbers + 3) % 7).astype("datetime64[D]")


def resample(bars: pd.DataFrame, interval: str) -> pd.DataFrame:
    """`bars` (date order, `date` datetime64 or datetime.date) as `interval` bars with the same columns."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)} (got {interval!r})")
    if interval == DAILY or bars.empty:
        return bars
    dates = pd.to_datetime(bars["date"])
    days = dates.to_numpy().astype("datetime64[D]")
    keys = _group_keys(days, interval)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    ends = np.concatenate([starts[1:], [len(keys)]]) - 1
    out = {
        "date": bars["date"].to_numpy()[starts],
        "open": bars["open"].to_numpy(dtype="float64")[starts],
        "high": np.fmax.reduceat(bars["high"].to_numpy(dtype="float64"), starts),
        "low": np.fmin.reduceat(bars["low"].to_numpy(dtype="float64"), starts),
        "close": bars["close"].to_numpy(dtype="float64")[ends],
        "adj_close": bars["adj_close"].to_numpy(dtype="float64")[ends],
    }
    volume = pd.to_numeric(bars["volume"]).fillna(0).to_numpy(dtype="int64")
    out["volume"] = np.add.reduceat(volume, starts)
    frame = pd.DataFrame(out)
    extra = [c for c in bars.columns if c not in out]
    for column in extra:  # e.g. `symbol`: constant within a series
        frame[column] = bars[column].to_numpy()[starts]
    return frame[list(bars.columns)]
