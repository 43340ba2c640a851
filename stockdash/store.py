"""Reads and idempotent writes of securities and daily bars, fast on both engines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stockdash.providers.base import BAR_COLUMNS
from stockdash.schema import daily_bars, dataset, securities

SQLITE_BATCH = 5_000
VALUE_COLUMNS = [c for c in BAR_COLUMNS if c not in ("symbol", "date")]


class DatasetMismatch(RuntimeError):
    """The database holds another provider's data; mixing demo and real bars is refused."""


def dataset_provider(conn: Connection) -> str | None:
    """Whose data this database holds: 'yahoo', 'demo', or None while it is empty."""
    return conn.execute(select(dataset.c.value).where(dataset.c.key == "provider")).scalar()


def claim_dataset(conn: Connection, provider: str) -> None:
    """Tag an empty database with `provider`; refuse a database tagged with another."""
    current = dataset_provider(conn)
    if current is None:
        conn.execute(insert(dataset).values(key="provider", value=provider))
    elif current != provider:
        raise DatasetMismatch(
            f"this database holds {current} data; refusing to write {provider} data into it "
            f"(set DATABASE_URL to another database for {provider} data)"
        )


def upsert_securities(conn: Connection, rows: list[dict]) -> None:
    if not rows:
        return
    stmt = _insert_for(conn)(securities)
    stmt = stmt.on_conflict_do_update(
        index_elements=[securities.c.symbol],
        set_={c: stmt.excluded[c] for c in ("name", "sector", "exchange", "kind", "in_sp500")},
    )
    conn.execute(stmt, rows)


def _insert_for(conn: Connection):
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def _clean(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars in column order, without rows lacking a price, one row per (symbol, date)."""
    frame = bars[BAR_COLUMNS].dropna(subset=["close", "adj_close"])
    return frame.drop_duplicates(["symbol", "date"], keep="last")


def upsert_bars(conn: Connection, bars: pd.DataFrame) -> int:
    """Insert or update bars by (symbol, date); returns rows written. Re-running writes the same rows."""
    frame = _clean(bars)
    if frame.empty:
        return 0
    if conn.dialect.name == "postgresql":
        _upsert_postgres(conn, frame)
    else:
        _upsert_sqlite(conn, frame)
    return len(frame)


def replace_bars(conn: Connection, symbols: Iterable[str], bars: pd.DataFrame) -> int:
    """Swap the whole stored history of `symbols` for `bars` (after a split changed its basis)."""
    conn.execute(delete(daily_bars).where(daily_bars.c.symbol.in_(list(symbols))))
    return upsert_bars(conn, bars)


def _upsert_sqlite(conn: Connection, frame: pd.DataFrame) -> None:
    stmt = sqlite_insert(daily_bars)
    stmt = stmt.on_conflict_do_update(
        index_elements=[daily_bars.c.symbol, daily_bars.c.date],
        set_={c: stmt.excluded[c] for c in VALUE_COLUMNS},
    )
    records = [dict(zip(BAR_COLUMNS, row, strict=True)) for row in _rows(frame)]
    for i in range(0, len(records), SQLITE_BATCH):
        conn.execute(stmt, records[i : i + SQLITE_BATCH])


def _column_values(series: pd.Series, *, integer: bool = False) -> list:
    """Plain Python values with None for missing, so every driver binds them."""
    missing = series.isna()
    if not missing.any():
        return (series.astype("int64") if integer else series).tolist()
    values = series.astype("float64").tolist()
    return [None if m else (int(v) if integer else v) for v, m in zip(values, missing.tolist(), strict=True)]


def _rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """Row tuples made one at a time: half a million at once would wake the garbage collector."""
    columns = [
        frame[c].tolist() if c in ("symbol", "date") else _column_values(frame[c], integer=c == "volume")
        for c in BAR_COLUMNS
    ]
    return zip(*columns, strict=True)


# Bar writers serialise on this transaction-scoped lock, so "insert where not exists" cannot race.
BARS_WRITE_LOCK = 0x5D_0BA5


def _staging_table() -> Table:
    cols = [Column(c.name, c.type) for c in daily_bars.columns]
    return Table("daily_bars_stage", MetaData(), *cols, prefixes=["TEMPORARY"])


def _upsert_postgres(conn: Connection, frame: pd.DataFrame) -> None:
    """Binary COPY into a temporary table, then update changed rows and insert new ones.

    Two set-based statements beat INSERT … ON CONFLICT here: unchanged rows are not
    rewritten (a re-run writes nothing), and new rows skip speculative insertion.
    """
    conn.execute(select(func.pg_advisory_xact_lock(BARS_WRITE_LOCK)))
    stage = _staging_table()
    stage.create(conn)
    try:
        cursor = conn.connection.driver_connection.cursor()
        # The COPY text has no user input: table and column names are our own constants.
        with cursor.copy(
            f"COPY daily_bars_stage ({', '.join(BAR_COLUMNS)}) FROM STDIN (FORMAT binary)"
        ) as cp:
            cp.set_types(["varchar", "date", "float8", "float8", "float8", "float8", "float8", "int8"])
            for row in _rows(frame):
                cp.write_row(row)
        same_key = and_(daily_bars.c.symbol == stage.c.symbol, daily_bars.c.date == stage.c.date)
        changed = or_(*[daily_bars.c[c].is_distinct_from(stage.c[c]) for c in VALUE_COLUMNS])
        conn.execute(
            update(daily_bars).values({c: stage.c[c] for c in VALUE_COLUMNS}).where(same_key, changed)
        )
        new_rows = select(*[stage.c[c] for c in BAR_COLUMNS]).where(~exists().where(same_key))
        conn.execute(insert(daily_bars).from_select(BAR_COLUMNS, new_rows))
    finally:
        stage.drop(conn)


def last_dates(conn: Connection, symbols: list[str] | None = None) -> dict[str, date]:
    """The latest stored trading date per symbol."""
    stmt = select(daily_bars.c.symbol, func.max(daily_bars.c.date)).group_by(daily_bars.c.symbol)
    if symbols is not None:
        stmt = stmt.where(daily_bars.c.symbol.in_(symbols))
    return dict(conn.execute(stmt).all())


def first_dates(conn: Connection, symbols: list[str]) -> dict[str, date]:
    stmt = (
        select(daily_bars.c.symbol, func.min(daily_bars.c.date))
        .where(daily_bars.c.symbol.in_(symbols))
        .group_by(daily_bars.c.symbol)
    )
    return dict(conn.execute(stmt).all())


def load_bars(
    conn: Connection, symbol: str, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """One symbol's bars in date order (BAR_COLUMNS without symbol), dates as datetime.date."""
    stmt = select(*[daily_bars.c[c] for c in BAR_COLUMNS[1:]]).where(daily_bars.c.symbol == symbol)
    if start:
        stmt = stmt.where(daily_bars.c.date >= start)
    if end:
        stmt = stmt.where(daily_bars.c.date <= end)
    rows = conn.execute(stmt.order_by(daily_bars.c.date)).all()
    frame = pd.DataFrame(rows, columns=BAR_COLUMNS[1:])
    for col in ("open", "high", "low", "close", "adj_close"):
        frame[col] = frame[col].astype("float64")
    frame["volume"] = frame["volume"].astype("float64")
    return frame


def bars_on(conn: Connection, dates: list[date], symbols: list[str] | None = None) -> pd.DataFrame:
    """symbol, date, close, adj_close, volume for the given trading dates (movers read these)."""
    stmt = select(
        daily_bars.c.symbol,
        daily_bars.c.date,
        daily_bars.c.close,
        daily_bars.c.adj_close,
        daily_bars.c.volume,
    ).where(daily_bars.c.date.in_(dates))
    if symbols is not None:
        stmt = stmt.where(daily_bars.c.symbol.in_(symbols))
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["symbol", "date", "close", "adj_close", "volume"])
    return frame.astype({"close": "float64", "adj_close": "float64"})


def trading_dates(conn: Connection, *, until: date | None = None, limit: int = 300) -> list[date]:
    """The latest distinct stored trading dates, newest first."""
    stmt = select(daily_bars.c.date).distinct().order_by(daily_bars.c.date.desc()).limit(limit)
    if until:
        stmt = stmt.where(daily_bars.c.date <= until)
    return list(conn.execute(stmt).scalars())


def counts(conn: Connection) -> dict[str, int]:
    return {
        "securities": conn.execute(select(func.count()).select_from(securities)).scalar_one(),
        "daily_bars": conn.execute(select(func.count()).select_from(daily_bars)).scalar_one(),
        "symbols_with_bars": conn.execute(
            select(func.count(func.distinct(daily_bars.c.symbol)))
        ).scalar_one(),
    }


def securities_frame(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(select(securities)).mappings().all()
    frame = pd.DataFrame(rows, columns=[c.name for c in securities.columns])
    return frame.set_index("symbol")
