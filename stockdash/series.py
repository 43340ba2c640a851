"""A symbol's stored bars as the chart and the API show them: at an interval, with indicators, for dates.

Indicators remember every earlier bar (EMA, RSI, ATR, MACD) and weekly and monthly bars need
whole periods, so anything beyond plain daily bars is computed over the whole stored history
and only then cut to the dates asked for: a value for a date never depends on the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from stockdash import indicators, intervals, store
from stockdash.indicators import Spec


def columns(specs: Sequence[Spec]) -> list[str]:
    """The fields the specs add to each bar, in the order asked."""
    return [c for spec in specs for c in spec.columns]


def first_day(day: date, interval: str) -> date:
    """The first calendar day of the week or month holding `day` (the day itself for daily bars)."""
    if interval == "1mo":
        return day.replace(day=1)
    if interval == "1wk":
        return date.fromordinal(day.toordinal() - day.weekday())
    return day


def cut(frame: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """Rows dated from `start` to `end` (inclusive) of a frame in date order, found by bisection."""
    days = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]")
    lo = 0 if start is None else int(days.searchsorted(np.datetime64(start), side="left"))
    hi = len(days) if end is None else int(days.searchsorted(np.datetime64(end), side="right"))
    return frame.iloc[lo:hi].reset_index(drop=True)


def analysed(
    bars: pd.DataFrame, *, interval: str = intervals.DAILY, specs: Sequence[Spec] = ()
) -> pd.DataFrame:
    """`bars` (a whole history) at `interval`, plus the specs' columns computed over all of it."""
    frame = intervals.resample(bars, interval)
    if specs:
        frame = frame.assign(**indicators.compute(frame, specs))
    return frame


def load(
    conn: Connection,
    symbol: str,
    *,
    start: date | None = None,
    end: date | None = None,
    interval: str = intervals.DAILY,
    specs: Sequence[Spec] = (),
) -> pd.DataFrame:
    """Stored bars (dates as datetime.date) from the period holding `start` to `end`, at `interval`,
    with the specs' columns; plain daily bars read only the dates asked for."""
    if interval == intervals.DAILY and not specs:
        return store.load_bars(conn, symbol, start=start, end=end)
    whole = store.load_bars(conn, symbol)  # later bars too: the last week or month is whole
    frame = analysed(whole, interval=interval, specs=specs)
    return cut(frame, first_day(start, interval) if start else None, end)
