"""Quotes as the live ingest hands them over, at chosen instants (time is an input)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stockdash.live.frames import Quote

# Monday 2 March 2026, 10:30 New York (EST): a regular session.
T0 = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
PREVIOUS_CLOSE = 196.59


def quote(price: float, seconds: float = 0, *, symbol: str = "AAPL", prev: float = PREVIOUS_CLOSE) -> Quote:
    return Quote(
        symbol=symbol,
        time=T0 + timedelta(seconds=seconds),
        price=price,
        change=price - prev,
        pct_change=(price / prev - 1) * 100,
        day_volume=1_000_000,
        session="regular",
        source="demo",
    )
