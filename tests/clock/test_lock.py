"""Exactly one clock: a PostgreSQL advisory lock, or a file lock beside the SQLite file."""

from stockdash.clock.lock import FileLock, PostgresLock, lock_path, make_lock
from stockdash.db import make_engine
from tests.harness import wait_for


def test_postgres_lock_only_one_holder(postgres_url):
    # Two engines stand for two processes: each clock has its own pool and session.
    first_engine, second_engine = make_engine(postgres_url), make_engine(postgres_url)
    first, second = make_lock(first_engine), make_lock(second_engine)
    try:
        assert isinstance(first, PostgresLock)
        assert first.acquire() is True
        assert first.acquire() is True  # already held: still ours
        assert second.acquire() is False
        assert second.acquire() is False
        first.release()
        assert second.acquire() is True
        assert first.acquire() is False
    finally:
        first.release()
        second.release()
        first_engine.dispose()
        second_engine.dispose()


def test_postgres_lock_freed_when_session_dies(postgres_url):
    first_engine, second_engine = make_engine(postgres_url), make_engine(postgres_url)
    first, second = PostgresLock(first_engine), PostgresLock(second_engine)
    try:
        assert first.acquire()
        first_engine.dispose()  # the pooled connections go away
        first._conn.invalidate()  # and so does the held one, as if the process died
        # The server ends the dead session (and frees its lock) once it notices the closed socket.
        assert wait_for(second.acquire, timeout=10, what="the dead session's lock freed") is True
    finally:
        second.release()
        second_engine.dispose()


def test_sqlite_file_lock_only_one_holder(sqlite_url):
    engine = make_engine(sqlite_url)
    first, second = make_lock(engine), make_lock(engine)
    try:
        assert isinstance(first, FileLock)
        assert lock_path(engine).name == "stockdash.db.clock.lock"
        assert first.acquire() is True
        assert second.acquire() is False
        first.release()
        assert second.acquire() is True
        assert first.acquire() is False
    finally:
        first.release()
        second.release()
        engine.dispose()


def test_a_clock_that_loses_its_lock_stops(postgres_url, monkeypatch):
    """The lock's connection is killed (a database restart): the active clock notices and stops."""
    import threading

    from sqlalchemy import text

    from stockdash.clock import lock as clock_lock
    from tests.conftest import postgres_admin

    monkeypatch.setattr(clock_lock, "LOCK_CHECK_SECONDS", 0.1)
    engine = make_engine(postgres_url)
    lock = PostgresLock(engine)
    stop, lost = threading.Event(), threading.Event()
    try:
        assert lock.acquire() and lock.held()
        watcher = threading.Thread(target=clock_lock.watch_lock, args=(lock, stop, lost), daemon=True)
        watcher.start()
        assert not stop.wait(0.5)  # healthy: keeps running
        pid = lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with postgres_admin().connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert stop.wait(5) and lost.is_set()
        assert not lock.held()
    finally:
        lock.release()
        engine.dispose()
