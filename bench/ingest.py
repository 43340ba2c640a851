"""Bulk upsert of daily bars into PostgreSQL: ours (binary COPY, set-based upsert) vs pandas to_sql.

Both write the same 500,000 demo bars into the same (emptied) table in one run.
Connection: BENCH_DATABASE_URL (default: local PostgreSQL); a scratch database is created and dropped.
Usage: python bench/ingest.py [--rows 500000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from stockdash import store  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.providers.demo import DemoProvider  # noqa: E402
from stockdash.schema import daily_bars  # noqa: E402
from stockdash.universe import resolve  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def demo_bars(rows: int):
    """At least `rows` bars: enough symbols of 10 years each, then trimmed to exactly `rows`."""
    symbols = resolve("sp500,etfs")
    per_symbol = 2_500
    needed = symbols[: rows // per_symbol + 1]
    bars = (
        DemoProvider(today=date(2026, 11, 20))
        .fetch_daily(needed, start=date(2016, 11, 1), end=date(2026, 11, 20))
        .bars
    )
    return bars.head(rows).reset_index(drop=True)


def timed(label: str, fn) -> float:
    t0 = time.perf_counter()
    fn()
    seconds = time.perf_counter() - t0
    print(f"{label:<44} {seconds:8.2f} s", flush=True)
    return seconds


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(daily_bars)).scalar_one()


def truncate(engine) -> None:
    with engine.begin() as conn:
        conn.execute(daily_bars.delete())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()

    admin_url = make_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    name = f"stockdash_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        print(f"generating {args.rows:,} demo bars …", flush=True)
        bars = demo_bars(args.rows)
        print(f"rows: {len(bars):,}  symbols: {bars['symbol'].nunique()}  database: {name}")

        def ours():
            with engine.begin() as conn:
                store.upsert_bars(conn, bars)

        def to_sql():
            bars.to_sql("daily_bars", engine, if_exists="append", index=False)

        ours_s = timed("stockdash upsert_bars (COPY, update, insert)", ours)
        assert count(engine) == len(bars)
        again_s = timed("stockdash upsert_bars again (all rows exist)", ours)
        assert count(engine) == len(bars)
        truncate(engine)
        pandas_s = timed("pandas DataFrame.to_sql (append)", to_sql)
        assert count(engine) == len(bars)
        print(
            f"rows/s ours: {len(bars) / ours_s:,.0f}   re-upsert: {len(bars) / again_s:,.0f}   "
            f"to_sql: {len(bars) / pandas_s:,.0f}"
        )
        print(f"ratio: {pandas_s / ours_s:.1f}")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
