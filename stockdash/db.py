"""Engines with bounded waits, one per role and process; which database a process uses is decided
once at start (stockdash.deployment), and everything else receives an engine or a connection.

Every engine has a role, and the role bounds every wait on the database (`LIMITS`): the web
answers within seconds or gives up, a health check within two, and the jobs that COPY hundreds
of thousands of bars get minutes. Three layers, because each catches a different failure:
  * the server cancels a slow statement or lock wait (`statement_timeout`, `lock_timeout`);
  * TCP keepalives and `tcp_user_timeout` notice a peer that is gone (host down, partition);
  * the client stops waiting for a reply after `io` seconds: a hung server or a stalled network
    path keeps the TCP connection alive and acknowledged, so only the client can notice that.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from stockdash.compat import psycopg_wait_timeout
from stockdash.config import Settings, normalise_database_url

Role = Literal["web", "health", "job"]


@dataclass(frozen=True)
class Limits:
    """How long a role waits on the database, in seconds."""

    connect: int  # libpq connect_timeout: whole seconds, 2 at least
    statement: float  # the server cancels a statement running longer
    lock: float  # the server cancels a statement waiting this long for a lock (advisory ones too)
    idle_in_transaction: float  # the server ends a session left idle inside a transaction
    io: float  # the client gives up on any one reply (a frozen server never sends one)
    tcp_user: float  # the kernel drops a connection whose sent data stays unacknowledged
    pool: float  # waiting for a free connection in this process's pool
    sqlite_busy: float  # a SQLite writer waits this long for another writer


LIMITS: dict[Role, Limits] = {
    # A page's queries take milliseconds; 3 s is already a failure, and every second a request
    # waits on a frozen database is a request thread held. A visitor's refresh may wait a little
    # for BARS_WRITE_LOCK while the clock writes a chunk (about 1.5 s at 100 symbols).
    "web": Limits(
        connect=2, statement=3, lock=2, idle_in_transaction=30, io=4, tcp_user=5, pool=3, sqlite_busy=3
    ),
    # /healthz must answer 503 within 3 s on a frozen database: ping, give up, say so.
    "health": Limits(
        connect=2, statement=1, lock=1, idle_in_transaction=5, io=1.5, tcp_user=3, pool=1, sqlite_busy=1
    ),
    # The daily pull COPYs and upserts a chunk of 100 symbols × 10 years (250k rows, seconds) and
    # may wait for another writer's chunk; minutes bound a runaway without failing a real pull.
    "job": Limits(
        connect=10,
        statement=600,
        lock=120,
        idle_in_transaction=600,
        io=630,
        tcp_user=30,
        pool=30,
        sqlite_busy=60,
    ),
}

# An idle pooled connection whose peer vanished is found in 10 + 3 × 3 s, before its next use.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3}

_engines: dict[tuple[int, str, Role], Engine] = {}

# Checks a role's new PostgreSQL connections pass first, given the database URL; one raises to
# refuse. The web's health check refuses while it knows the database is down (stockdash.web.health):
# a new connection to a frozen database would only wait out its connect timeout.
_connect_gates: dict[Role, Callable[[str], None]] = {}


def gate_connects(role: Role, gate: Callable[[str], None]) -> None:
    """Ask `gate(url)` before each new connection `role` opens; it raises to refuse the connection."""
    _connect_gates[role] = gate


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def apply(dbapi_conn: Any, _record: Any) -> None:
        """WAL lets the web process read while the clock writes; the busy timeout makes writers wait."""
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return apply


@cache
def _bounded_connection_class() -> type[Any]:
    """psycopg's Connection whose every wait for the server ends after `io_timeout` seconds."""
    import psycopg

    class BoundedConnection(psycopg.Connection):
        io_timeout: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            try:
                return super().wait(gen, interval, self.io_timeout if timeout is None else timeout)
            except psycopg_wait_timeout():
                # The reply may still come: the connection is in an unknown state, never reuse it.
                # Closed, SQLAlchemy counts this as a disconnect and drops it from the pool.
                self.close()
                raise psycopg.OperationalError(
                    f"the database sent no reply within {self.io_timeout:g} s; connection closed"
                ) from None

    return BoundedConnection


def _postgres_connect_args(url: URL, limits: Limits) -> dict[str, Any]:
    server = (
        f"-c statement_timeout={int(limits.statement * 1000)}"
        f" -c lock_timeout={int(limits.lock * 1000)}"
        f" -c idle_in_transaction_session_timeout={int(limits.idle_in_transaction * 1000)}"
    )
    given = url.query.get("options")  # keep any options the URL carries; ours come last and win
    return {
        "connect_timeout": limits.connect,
        "tcp_user_timeout": int(limits.tcp_user * 1000),
        "options": f"{given} {server}" if given else server,
        **KEEPALIVES,
    }


def make_engine(url: str, *, role: Role = "job") -> Engine:
    """A new engine for `url` with the waits of `role`; SQLite files get their folder and WAL."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    limits = LIMITS[role]
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": limits.sqlite_busy})
        event.listen(engine, "connect", _sqlite_pragmas(int(limits.sqlite_busy * 1000)))
        return engine
    health = role == "health"
    engine = create_engine(
        url,
        # The health check's own query is its ping; a pre-ping would double its wait.
        pool_pre_ping=not health,
        pool_size=1 if health else 5,
        max_overflow=1 if health else 5,
        pool_timeout=limits.pool,
        connect_args=_postgres_connect_args(parsed, limits),
    )
    connection_class = _bounded_connection_class()

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        gate = _connect_gates.get(role)
        if gate is not None:
            gate(url)
        conn = connection_class.connect(*cargs, **cparams)
        conn.io_timeout = limits.io
        return conn

    return engine


def get_engine(url: str, *, role: Role = "job") -> Engine:
    """This process's engine for `url` and `role`, made on first use so forked workers never share one."""
    key = (os.getpid(), url, role)
    if key not in _engines:
        _engines[key] = make_engine(url, role=role)
    return _engines[key]


def utc(moment: datetime) -> datetime:
    """A tz-aware UTC datetime; naive ones (SQLite gives those back) are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_postgres(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "postgresql"


def sqlite_default(provider_name: str, *, var_dir: Path) -> str:
    """The embedded database when DATABASE_URL is unset: demo data gets its own file, never mixed."""
    filename = "demo.db" if provider_name == "demo" else "stockdash.db"
    return f"sqlite:///{Path(var_dir) / filename}"


def migration_urls(settings: Settings) -> list[str]:
    """Every database the settings may pick (stockdash.deployment decides which), without asking anyone."""
    if settings.database_url:
        return [settings.database_url]
    names = ["demo", "yahoo"] if settings.provider == "auto" else [settings.provider]
    return [sqlite_default(name, var_dir=settings.var_dir) for name in names]
