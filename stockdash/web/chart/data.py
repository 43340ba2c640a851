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
    data = SymbolData(symbol=symbol, name=name_of(symbol), bars=frame)
    if frame.empty:
        data.error = f"No prices for {symbol}" + (f": {reason}." if reason else ".")
    elif reason or reads.is_stale(data.last_date, stale_after_hours=stale_after_hours):
        why = f" — {reason}" if reason else ""
        data.notice = f"Showing stored prices as of {data.last_date:%d %b %Y}{why}."
    return data


def stored_span(engine: Engine, symbol: str) -> tuple[date, date] | None:
    """The first and last stored day of `symbol`, None when nothing is stored."""
    with engine.connect() as conn:
        first = store.first_dates(conn, [symbol]).get(symbol)
        last = store.last_dates(conn, [symbol]).get(symbol)
    return (first, last) if first and last else None


def no_prices_between(
    symbol: str, start: date | None, end: date | None, span: tuple[date, date] | None
) -> str:
    """Why a range shows nothing, with the stored range: a 1990 range learns prices start in 2016."""
    if start and end:
        asked = f"from {start:%d %b %Y} to {end:%d %b %Y}"
    else:
        asked = f"from {start:%d %b %Y}" if start else f"up to {end:%d %b %Y}"
    stored = f"stored prices run from {span[0]:%d %b %Y} to {span[1]:%d %b %Y}" if span else "none are stored"
    return f"No prices for {symbol} {asked}: {stored}."
