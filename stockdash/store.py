"""Reads and idempotent writes of securities and daily bars, fast on both engines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    and_,
    bindparam,
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


NAME_LENGTH = 200  # securities.name's String(200)


def upsert_securities(conn: Connection, rows: list[dict]) -> None:
    if not rows:
        return
    # A few listed names are longer than the column (GJP's is 214 characters): PostgreSQL would
    # refuse its whole chunk, so a name is cut to fit, marked with an ellipsis.
    limit = NAME_LENGTH
    rows = [
        r | {"name": r["name"][: limit - 1] + "…"} if len(r.get("name") or "") > limit else r for r in rows
    ]
    stmt = _insert_for(conn)(securities)
    stmt = stmt.on_conflict_do_update(
        index_elements=[securities.c.symbol],
        set_={c: stmt.excluded[c] for c in ("name", "sector", "exchange", "kind", "in_sp500")},
    )
    conn.execute(stmt, rows)


def _insert_for(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def _clean(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars in column order, without rows lacking a price, one row per (symbol, date)."""
    frame = bars[BAR_COLUMNS].dropna(subset=["close", "adj_close"])
    return frame.drop_duplicates(["symbol", "date"], keep="last")


def upsert_bars(conn: Connection, bars: pd.DataFrame) -> int:
    """Insert new bars and update changed ones by (symbol, date); returns the rows inserted or
    changed, so re-running with the same bars writes (and reports) nothing."""
    frame = _clean(bars)
    if frame.empty:
        return 0
    if conn.dialect.name == "postgresql":
        return _upsert_postgres(conn, frame)
    return _upsert_sqlite(conn, frame)


def replace_bars(conn: Connection, symbols: Iterable[str], bars: pd.DataFrame) -> int:
    """Swap the whole stored history of `symbols` for `bars` (after a split changed its basis)."""
    conn.execute(delete(daily_bars).where(daily_bars.c.symbol.in_(list(symbols))))
    return upsert_bars(conn, bars)


def _upsert_sqlite(conn: Connection, frame: pd.DataFrame) -> int:
    """One compiled INSERT … ON CONFLICT, executed over plain tuples in batches.

    Handing the driver tuples (dates as the ISO text SQLAlchemy stores them as) skips
    SQLAlchemy's per-row parameter processing, three times the speed on a first backfill.
    """
    stmt = sqlite_insert(daily_bars).values({c: bindparam(c) for c in BAR_COLUMNS})
    stmt = stmt.on_conflict_do_update(
        index_elements=[daily_bars.c.symbol, daily_bars.c.date],
        set_={c: stmt.excluded[c] for c in VALUE_COLUMNS},
        where=or_(*[daily_bars.c[c].is_distinct_from(stmt.excluded[c]) for c in VALUE_COLUMNS]),
    )
    compiled = stmt.compile(dialect=conn.dialect)
    assert list(compiled.positiontup or []) == BAR_COLUMNS  # tuples below are in this order
    rows = list(_rows(frame.assign(date=[d.isoformat() for d in frame["date"]])))
    written = 0
    for i in range(0, len(rows), SQLITE_BATCH):
        written += conn.exec_driver_sql(str(compiled), rows[i : i + SQLITE_BATCH]).rowcount
    return written


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


def _upsert_postgres(conn: Connection, frame: pd.DataFrame) -> int:
    """Rows after a symbol's last stored date are COPYed straight in; the rest are upserted.

    A daily pull only appends, and COPY is the fastest way in. Rows that may already exist go
    through a temporary table and two set-based statements, which beat INSERT … ON CONFLICT:
    unchanged rows are not rewritten (a re-run writes nothing) and new rows skip speculative
    insertion. Writers hold BARS_WRITE_LOCK, so nothing can insert between the check and the copy.
    """
    conn.execute(select(func.pg_advisory_xact_lock(BARS_WRITE_LOCK)))
    last = last_dates(conn, frame["symbol"].unique().tolist())
    stored = frame["symbol"].isin(list(last))
    appended = ~stored
    appended[stored] = frame.loc[stored, "date"] > frame.loc[stored, "symbol"].map(last)
    _copy_rows(conn, "daily_bars", frame[appended])
    written = int(appended.sum())
    if written == len(frame):
        return written
    stage = _staging_table()
    stage.create(conn)
    try:
        _copy_rows(conn, stage.name, frame[~appended])
        same_key = and_(daily_bars.c.symbol == stage.c.symbol, daily_bars.c.date == stage.c.date)
        changed = or_(*[daily_bars.c[c].is_distinct_from(stage.c[c]) for c in VALUE_COLUMNS])
        written += conn.execute(
            update(daily_bars).values({c: stage.c[c] for c in VALUE_COLUMNS}).where(same_key, changed)
        ).rowcount
        new_rows = select(*[stage.c[c] for c in BAR_COLUMNS]).where(~exists().where(same_key))
        inserted = insert(daily_bars).from_select(BAR_COLUMNS, new_rows)
        written += conn.execute(inserted, execution_options={"preserve_rowcount": True}).rowcount
    finally:
        stage.drop(conn)
    return written


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, no flags, no header extension
_COPY_TRAILER = b"\xff\xff"
_PG_EPOCH = np.datetime64("2000-01-01", "D")
_FLOATS = ["open", "high", "low", "close", "adj_close"]


def _copy_rows(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """Binary COPY: complete rows as one buffer built with numpy, rows with a NULL one by one."""
    if frame.empty:
        return
    # The COPY text has no user input: the table is daily_bars or our staging table.
    sql = f"COPY {table} ({', '.join(BAR_COLUMNS)}) FROM STDIN (FORMAT binary)"
    driver = conn.connection.driver_connection
    assert driver is not None  # a live psycopg connection inside our transaction
    cursor = driver.cursor()
    has_null = frame[["open", "high", "low", "volume"]].isna().any(axis=1).to_numpy()
    if not has_null.all():
        with cursor.copy(sql) as cp:
            cp.write(_COPY_HEADER + _binary_rows(frame[~has_null]) + _COPY_TRAILER)
    if has_null.any():
        with cursor.copy(sql) as cp:
            cp.set_types(["varchar", "date", "float8", "float8", "float8", "float8", "float8", "int8"])
            for row in _rows(frame[has_null]):
                cp.write_row(row)


def _binary_rows(frame: pd.DataFrame) -> bytes:
    """PostgreSQL binary COPY tuples for rows without NULLs: a numpy record per row, one dtype
    per symbol length, so half a million rows encode in a fraction of a second."""
    symbols = frame["symbol"].to_numpy(dtype=object)
    days = (pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]") - _PG_EPOCH).astype(">i4")
    lengths = frame["symbol"].str.len().to_numpy()  # symbols are validated ASCII: chars == bytes
    parts = []
    for length in np.unique(lengths):
        idx = np.flatnonzero(lengths == length)
        fields = [
            ("count", ">i2"),
            ("symbol_len", ">i4"),
            ("symbol", f"S{length}"),
            ("date_len", ">i4"),
            ("date", ">i4"),
        ]
        fields += [f for c in _FLOATS for f in ((f"{c}_len", ">i4"), (c, ">f8"))]
        fields += [("volume_len", ">i4"), ("volume", ">i8")]
        rec = np.empty(len(idx), dtype=np.dtype(fields))
        rec["count"], rec["symbol_len"], rec["date_len"], rec["volume_len"] = len(BAR_COLUMNS), length, 4, 8
        rec["symbol"] = symbols[idx].astype(f"S{length}")
        rec["date"] = days[idx]
        for c in _FLOATS:
            rec[f"{c}_len"] = 8
            rec[c] = frame[c].to_numpy(dtype="float64")[idx]
        rec["volume"] = frame["volume"].to_numpy(dtype="int64")[idx]
        parts.append(rec.tobytes())
    return b"".join(parts)


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
    """One symbol's bars in date order (BAR_COLUMNS without symbol), dates as datetime.date.

    Built column by column: letting pandas inspect SQLAlchemy rows one by one was most of
    the chart callback's time for ten years of bars.
    """
    fields = BAR_COLUMNS[1:]
    stmt = select(*[daily_bars.c[c] for c in fields]).where(daily_bars.c.symbol == symbol)
    if start:
        stmt = stmt.where(daily_bars.c.date >= start)
    if end:
        stmt = stmt.where(daily_bars.c.date <= end)
    rows = conn.execute(stmt.order_by(daily_bars.c.date)).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(fields)
    data = {"date": pd.Series(columns[0], dtype=object)}
    for name, values in zip(fields[1:], columns[1:], strict=True):
        data[name] = np.array(values, dtype="float64")  # None (no value) becomes NaN
    return pd.DataFrame(data)


def tracked_symbols(conn: Connection) -> list[str]:
    """Symbols with stored bars (a security row is written only for symbols that returned bars)."""
    return list(conn.execute(select(securities.c.symbol).order_by(securities.c.symbol)).scalars())


def bars_on(conn: Connection, dates: list[date], symbols: list[str] | None = None) -> pd.DataFrame:
    """symbol, date, close, adj_close, volume for the given trading dates (movers read these).

    Naming the symbols lets both engines answer from the (symbol, date) primary key.
    """
    symbols = tracked_symbols(conn) if symbols is None else symbols
    stmt = select(
        daily_bars.c.symbol,
        daily_bars.c.date,
        daily_bars.c.close,
        daily_bars.c.adj_close,
        daily_bars.c.volume,
    ).where(daily_bars.c.symbol.in_(symbols), daily_bars.c.date.in_(dates))
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["symbol", "date", "close", "adj_close", "volume"])
    return frame.astype({"close": "float64", "adj_close": "float64"})


def latest_date(conn: Connection) -> date | None:
    """The newest stored trading date: the newest of each tracked symbol, read off the primary key."""
    newest = (
        select(func.max(daily_bars.c.date))
        .where(daily_bars.c.symbol == securities.c.symbol)
        .scalar_subquery()
    )
    return conn.execute(select(func.max(newest)).select_from(securities)).scalar()


def counts(conn: Connection) -> dict[str, int]:
    return {
        "securities": conn.execute(select(func.count()).select_from(securities)).scalar_one(),
        "daily_bars": conn.execute(select(func.count()).select_from(daily_bars)).scalar_one(),
        "symbols_with_bars": conn.execute(
            select(func.count(func.distinct(daily_bars.c.symbol)))
        ).scalar_one(),
    }
