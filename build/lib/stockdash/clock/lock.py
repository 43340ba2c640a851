"""Exactly one clock does the work: a PostgreSQL advisory lock, or a file lock beside a SQLite file."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import filelock
from sqlalchemy import BigInteger, Connection, Engine, bindparam, text

from stockdash.db import is_postgres

log = logging.getLogger("stockdash.clock")

STANDBY_POLL_SECONDS = 5  # how soon a standby clock notices the active one is gone
LOCK_CHECK_SECONDS = 30  # how soon an active clock notices it lost its lock (a dropped connection)

# One fixed 64-bit key; advisory locks are per database, so each deployment has its own.
LOCK_KEY = int.from_bytes(hashlib.blake2b(b"stockdash.clock", digest_size=8).digest(), "big", signed=True)

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)").bindparams(bindparam("key", type_=BigInteger))
# Only the clock's lock is taken on its connection, so any granted advisory lock there is it.
_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks"
    " WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted)"
)
_UNLOCK = text("SELECT pg_advisory_unlock(:key)").bindparams(bindparam("key", type_=BigInteger))


class ClockLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock without waiting; True when this process now holds it."""
        ...

    def release(self) -> None: ...

    def held(self) -> bool:
        """Whether this process still holds the lock (a dropped connection loses it)."""
        ...


class PostgresLock:
    """A session-level advisory lock on a connection kept for the process lifetime.

    The server drops the lock with the session, so a clock killed with SIGKILL or a lost dyno
    frees it for the standby without any stale-lock cleanup.
    """

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self.engine.connect()
        # Autocommit: the connection must not sit "idle in transaction" for days.
        conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(_TRY_LOCK, {"key": self.key}).scalar())
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
        else:
            conn.close()
        return got

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            return bool(self._conn.execute(_HELD).scalar())
        except Exception as exc:
            log.error("clock lock check failed: %s", type(exc).__name__)
            return False

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(_UNLOCK, {"key": self.key})
        except Exception as exc:  # closing the session frees the lock anyway
            log.warning("clock lock unlock failed: %s", type(exc).__name__)
        finally:
            self._conn.close()
            self._conn = None


class FileLock:
    """An OS file lock (flock) beside the SQLite file: freed by the kernel when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = filelock.FileLock(str(path), thread_local=False)

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(blocking=False)
        except filelock.Timeout:
            return False
        return True

    def held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


def lock_path(engine: Engine) -> Path:
    """`<db file>.clock.lock`; an in-memory database gets one in the temp folder."""
    database = engine.url.database
    if not database or database == ":memory:":
        return Path(tempfile.gettempdir()) / "stockdash-memory.clock.lock"
    return Path(database + ".clock.lock")


def make_lock(engine: Engine) -> ClockLock:
    if is_postgres(engine):
        return PostgresLock(engine)
    return FileLock(lock_path(engine))


def take_lock(lock: ClockLock, stop: threading.Event) -> bool:
    """Take the lock, standing by (polling) while another clock holds it; False if stopped first."""
    standing_by = False
    while not stop.is_set():
        try:
            if lock.acquire():
                return True
            if not standing_by:
                log.info(
                    "clock standby: another clock holds the lock; retrying every %ss", STANDBY_POLL_SECONDS
                )
                standing_by = True
        except Exception as exc:  # database down: keep trying, the platform would only restart us
            log.warning("clock lock check failed: %s: %s", type(exc).__name__, str(exc).strip()[:200])
        stop.wait(STANDBY_POLL_SECONDS)
    return False


def watch_lock(lock: ClockLock, stop: threading.Event, lost: threading.Event) -> None:
    """Stop this clock if it loses its lock: a standby may already be active, and two must never run."""
    while not stop.wait(LOCK_CHECK_SECONDS):
        if not lock.held():
            log.error(
                "clock lost its lock (database connection dropped?): stopping; a restart takes it again"
            )
            lost.set()
            stop.set()
