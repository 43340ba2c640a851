"""Which dates a period button shows, and how far back to read so indicators start filled."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

# Sessions loaded before the visible window, so SMA 200 and the 52-week band start filled.
WARMUP_SESSIONS = 260


def period_start(period: str, last: date) -> date | None:
    """First calendar day of `period` ending at `last`; None for Max."""
    ts = pd.Timestamp(last)
    offsets = {
        "1M": pd.DateOffset(months=1),
        "3M": pd.DateOffset(months=3),
        "6M": pd.DateOffset(months=6),
        "1Y": pd.DateOffset(years=1),
        "5Y": pd.DateOffset(years=5),
    }
    if period == "YTD":
        return date(last.year, 1, 1)
    if period in offsets:
        return (ts - offsets[period]).date() + timedelta(days=1)
    return None


def load_start(visible_start: date | None) -> date | None:
    """Where to start reading so rolling windows (SMA 200, 52 weeks) are full on the first visible day."""
    if visible_start is None:
        return None
    return visible_start - timedelta(days=int(WARMUP_SESSIONS * 7 / 5) + 10)
