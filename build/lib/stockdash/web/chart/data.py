"""One symbol's stored bars for the chart, with a plain notice when they are old and an error when none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from stockdash import reads, store
from stockdash.universe import name_of


@dataclass
class SymbolData:
    symbol: str
    name: str
    bars: pd.DataFrame  # date, open, high, low, close, adj_close, volume (dates as Timestamp)
    notice: str | None = None  # shown above the chart: stored bars are old, and why
    error: str | None = None  # nothing to show, in plain words

    @property
    def last_date(self) -> date | None:
        return None if self.bars.empty else self.bars["date"].iloc[-1].date()


def load_symbol(
    engine: Engine,
    symbol: str,
    *,
    stale_after_hours: int,
    start: date | None = None,
    end: date | None = None,
    reason: str | None,
) -> SymbolData:
    """Stored bars of `symbol` (from `start`); `reason` says why a fetch of fresh ones failed."""
    with engine.connect() as conn:
        frame = reads.bars(conn, symbol, start=start, end=end)
        anything = store.last_dates(conn, [symbol]).get(symbol) if frame.empty and (start or end) else None
    data = SymbolData(symbol=symbol, name=name_of(symbol), bars=frame)
    if anything:
        data.error = f"No prices for {symbol} in the chosen dates; it has prices up to {anything:%d %b %Y}."
    elif frame.empty:
        data.error = f"No prices for {symbol}" + (f": {reason}." if reason else ".")
    elif reason or reads.is_stale(data.last_date, stale_after_hours=stale_after_hours):
        why = f" — {reason}" if reason else ""
        data.notice = f"Showing stored prices as of {data.last_date:%d %b %Y}{why}."
    return data
