"""Minute bars for 1D/5D from the provider, for a symbol the live stream has not stored.

The provider's 1-minute bars of the last seven whole days and today (Yahoo answers at most eight
days of them per request) go into the stream's own table, stamped as the stream stamps them (the
minute's start, UTC). A stored bar the stream wrote (it carries the day volume the stream counts
from) is never replaced; a fetched one is, by a later fetch, since a minute still open at the
first fetch ends later. Both the web (in-process) and a queue worker (`workers.tasks.fetch_minutes`) call
`fetch_and_store`; the web decides when, within the provider budget.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stockdash.calendar import NEW_YORK
from stockdash.db import is_postgres
from stockdash.live.shared_reads import MinuteBar
from stockdash.providers.base import Provider
from stockdash.schema import intraday_bars

log = logging.getLogger("stockdash.minutes")

# Yahoo's limit for 1m bars per request is 8 days; a little less keeps clear of its edge.
WINDOW = timedelta(days=7, hours=23)
SLICE = 500  # rows per INSERT: 6 parameters each stays under SQLite's bound-parameter limit


@dataclass(frozen=True)
class Stored:
    """What one fetch brought: bars written (new or updated), and the sessions they span."""

    rows: int
    first: datetime | None = None
    last: datetime | None = None


def store_minutes(conn: Connection, symbol: str, bars: pd.DataFrame) -> int:
    """Upsert fetched bars; a minute the stream wrote (its day volume known) is left as it is."""
    if bars.empty:
        return 0
    insert = pg_insert if is_postgres(conn) else sqlite_insert
    records = [
        {
            "symbol": symbol,
            "minute": r.minute.to_pydatetime() if isinstance(r.minute, pd.Timestamp) else r.minute,
            "open": float(r.open),
            "high": float(r.high),
            "low": float(r.low),
            "close": float(r.close),
            "volume": int(r.volume),
        }
        for r in bars.itertuples()
    ]
    written = 0
    for start in range(0, len(records), SLICE):
        stmt = insert(intraday_bars).values(records[start : start + SLICE])
        stmt = stmt.on_conflict_do_update(
            index_elements=[intraday_bars.c.symbol, intraday_bars.c.minute],
            set_={c: stmt.excluded[c] for c in ("open", "high", "low", "close", "volume")},
            where=intraday_bars.c.day_volume.is_(None),
        )
        written += conn.execute(stmt).rowcount
    return written


def window_start(now: datetime) -> datetime:
    """The first New York midnight within WINDOW of `now`: whole days only, so 5D never opens on
    a session cut at the time of day the fetch happened to run."""
    earliest = (now - WINDOW).astimezone(NEW_YORK)
    return datetime.combine(earliest.date() + timedelta(days=1), datetime.min.time(), NEW_YORK)


def fetch_and_store(engine: Engine, provider: Provider, symbol: str, *, now: datetime) -> Stored:
    """Ask the provider for `symbol`'s minutes of the last eight days and store them.
    Raises ProviderError when the provider could not answer; rows=0 when it had none."""
    started = time.monotonic()
    bars = provider.fetch_minutes(symbol, start=window_start(now), end=now)
    with engine.begin() as conn:
        rows = store_minutes(conn, symbol, bars)
    log.info(
        "minutes fetch symbol=%s provider=%s bars=%d stored=%d seconds=%.1f",
        symbol, provider.name, len(bars), rows, time.monotonic() - started,
    )  # fmt: skip
    if bars.empty:
        return Stored(0)
    return Stored(rows, bars["minute"].min(), bars["minute"].max())


def stored_minutes(engine: Engine, symbol: str, *, since: datetime, until: datetime) -> list[MinuteBar]:
    """Stored minute bars with since < minute <= until, read now (not through the live view's
    one-second cache: this follows a fetch that just wrote them)."""
    query = (
        select(intraday_bars)
        .where(
            intraday_bars.c.symbol == symbol, intraday_bars.c.minute > since, intraday_bars.c.minute <= until
        )
        .order_by(intraday_bars.c.minute)
    )
    with engine.connect() as conn:
        return [MinuteBar.of(r) for r in conn.execute(query)]
