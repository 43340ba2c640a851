from sqlalchemy import inspect

from stockdash.db import make_engine
from stockdash.migrate import downgrade, upgrade
from stockdash.schema import metadata


def test_migrations_build_the_schema_from_empty_and_back(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    cols = {c["name"] for c in inspect(engine).get_columns("daily_bars")}
    assert {"symbol", "date", "open", "high", "low", "close", "adj_close", "volume"} <= cols
    assert inspect(engine).get_pk_constraint("daily_bars")["constrained_columns"] == ["symbol", "date"]
    downgrade(engine, "base")
    assert not set(metadata.tables) & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    engine.dispose()
