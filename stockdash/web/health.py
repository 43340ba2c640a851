"""The health check: a database ping on its own short-timeout connection, shared by concurrent checks.

Load balancers, the clock's keep-alive and monitors may all ask at once; each worker pings at most
once per PING_TTL and every check waiting meanwhile gets that answer (at once if the last one
said down). The ping has its own engine
(role "health"), so it never queues for a connection behind chart work, and it gives up in
seconds when the database is frozen.

While the database is known down, each worker re-pings it every PING_TTL in the background, so it
finds the database back within about a second whether or not requests arrive, instead of making
the first requests after an outage answer "down" while their own ping reconnects. A ping that
fails at once on a connection the outage killed (a disconnect) is retried on a fresh connection:
a dead pooled connection is not a dead database.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from stockdash.config import normalise_database_url
from stockdash.db import gate_connects, get_engine
from stockdash.errors import error_text

log = logging.getLogger("stockdash.web")

PING_TTL = 1.0  # seconds a ping's answer is reused
WAIT_LIMIT = 2.5  # a check waiting for another's ping gives up after this (answers 503 within 3 s)
# A pooled connection an outage killed fails at once; a silent database only after the health
# role's reply wait, and a second try then would double the check's wait past its 3 s.
RETRY_WITHIN = 0.5


class HealthCheck:
    """Ping one database, at most once per PING_TTL, with concurrent callers sharing the ping."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._last: tuple[float, bool, str] | None = None
        self._inflight: threading.Event | None = None
        self._watching = False

    def check(self) -> tuple[bool, str]:
        """(ok, why not): a fresh cached answer, the answer of a ping in flight, or a new ping."""
        with self._lock:
            last = self._last
            if last and (time.monotonic() - last[0] < PING_TTL or (self._inflight and not last[1])):
                # Fresh, or known down while a new ping is out: answer now, never queue on a dead database.
                return last[1], last[2]
            done = self._inflight
            mine = done is None
            if done is None:
                done = self._inflight = threading.Event()
        if not mine:
            if not done.wait(WAIT_LIMIT) or self._last is None:
                return False, f"no reply from the database within {WAIT_LIMIT:g} s"
            return self._last[1], self._last[2]
        ok, why = self._ping()
        with self._lock:
            self._last, self._inflight = (time.monotonic(), ok, why), None
            watch = not ok and not self._watching
            self._watching = self._watching or watch
        done.set()
        if watch:
            threading.Thread(target=self._watch, name="healthz-watch", daemon=True).start()
        return ok, why

    def known_down(self) -> str | None:
        """Why the database is down, when the last answer said so; never pings (None: not known down)."""
        last = self._last
        return None if last is None or last[1] else last[2]

    def _watch(self) -> None:
        """Ping every PING_TTL until the database answers again."""
        ok = False
        while not ok:
            time.sleep(PING_TTL)
            ok = self.check()[0]
        with self._lock:
            self._watching = False

    def _ping(self) -> tuple[bool, str]:
        started = time.perf_counter()
        try:
            try:
                self._select_one()
            except DBAPIError as exc:
                if not exc.connection_invalidated or time.perf_counter() - started > RETRY_WITHIN:
                    raise
                self._select_one()  # that pooled connection died (the pool is invalidated): once more
        except Exception as exc:  # any driver error means "down" to a health check
            why = error_text(exc)
            was_up = self._last is None or self._last[1]  # while down, the watch's pings log quietly
            log.log(
                logging.WARNING if was_up else logging.DEBUG,
                "healthz ping failed seconds=%.2f: %s",
                time.perf_counter() - started,
                why,
            )
            return False, why
        return True, ""

    def _select_one(self) -> None:
        with get_engine(self.url, role="health").connect() as conn:
            conn.execute(text("SELECT 1"))


class DatabaseDown(SQLAlchemyError):
    """The health check found the database down within the last PING_TTL: fail now, do not wait."""


def web_engine(url: str) -> Engine:
    """The web's engine for `url`, or DatabaseDown at once while the database is known down.

    A frozen database would otherwise hold every request thread for the web role's full wait,
    and the page, static files and /healthz would queue behind them.
    """
    ok, why = database_ok(url)
    if not ok:
        raise DatabaseDown(f"the health check found the database down: {why}")
    return get_engine(url, role="web")


_checks: dict[tuple[int, str], HealthCheck] = {}
_checks_lock = threading.Lock()


def _key(url: str) -> tuple[int, str]:
    """Per process (a forked worker pings for itself), and one check whatever the URL's spelling."""
    return os.getpid(), normalise_database_url(url)


def database_ok(url: str) -> tuple[bool, str]:
    """This process's shared health check of `url`."""
    key = _key(url)
    with _checks_lock:
        check = _checks.get(key) or _checks.setdefault(key, HealthCheck(url))
    return check.check()


def _refuse_while_down(url: str) -> None:
    """No new web connection while this process's health check knows the database is down.

    A request that passed web_engine's check just before an outage finds out on its pooled
    connection (the pre-ping's one bounded wait for a reply); SQLAlchemy would then open a new
    connection, which on a frozen database is a second wait, the connect timeout, for an answer
    the health check already has.
    """
    check = _checks.get(_key(url))
    why = check.known_down() if check else None
    if why is not None:
        raise DatabaseDown(f"the health check found the database down: {why}")


gate_connects("web", _refuse_while_down)
