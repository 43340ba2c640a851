"""The one place that makes engines; everything else receives an engine or a connection."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from stockdash.config import normalise_database_url

SQLITE_BUSY_TIMEOUT_MS = 30_000

_engines: dict[tuple[int, str], Engine] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL lets the web process read while the clock writes; the busy timeout makes writers wait."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """A new engine for `url`; SQLite files get their folder created and WAL switched on."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that never answers must fail a connect in seconds, not hang a job or a shutdown.
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args={"connect_timeout": 10}
    )


def get_engine(url: str) -> Engine:
    """The engine of this process for `url`, made on first use so forked workers never share one."""
    key = (os.getpid(), url)
    if key not in _engines:
        _engines[key] = make_engine(url)
    return _engines[key]


def is_postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"
