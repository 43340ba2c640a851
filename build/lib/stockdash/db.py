"""The one place that decides which database a process uses and makes its engines.

Everything else receives an engine or a connection.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from stockdash.config import VAR_DIR, Settings, normalise_database_url

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


def sqlite_default(provider_name: str) -> str:
    """The embedded database when DATABASE_URL is unset: demo data gets its own file, never mixed."""
    filename = "demo.db" if provider_name == "demo" else "stockdash.db"
    return f"sqlite:///{VAR_DIR / filename}"


def database_url(settings: Settings) -> str:
    """DATABASE_URL, else the SQLite file for the provider in use (which PROVIDER=auto may probe for)."""
    if settings.database_url:
        return settings.database_url
    from stockdash.providers import resolve_provider_name

    return sqlite_default(resolve_provider_name(settings))


def migration_urls(settings: Settings) -> list[str]:
    """Every database `database_url` may pick, decided without asking the provider anything."""
    if settings.database_url:
        return [settings.database_url]
    names = ["demo", "yahoo"] if settings.provider == "auto" else [settings.provider]
    return [sqlite_default(name) for name in names]


def engine_for(settings: Settings) -> Engine:
    """This process's engine for the database the settings pick."""
    return get_engine(database_url(settings))
