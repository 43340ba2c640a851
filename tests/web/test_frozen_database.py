"""A frozen or locked database never freezes the web, and service returns by itself.

Real gunicorn (gunicorn.conf.py, 2 workers) talks to PostgreSQL through a relay the test freezes.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from stockdash.db import LIMITS
from stockdash.web import health
from stockdash.web.health import PING_TTL
from tests.conftest import new_postgres_url
from tests.harness import (
    Server,
    chart_payload,
    drop_postgres_database,
    start_gunicorn,
    stop_gunicorn,
    wait_for,
)
from tests.relay import Relay
from tests.web.conftest import SMALL, fill

HEALTH_LIMIT = 3.0  # the promise: /healthz says 503 within 3 s
NO_DB_LIMIT = 3.0  # what needs no database answers as if nothing happened
PAGE_LIMIT = 1.0  # the page and its files, from their own threads, while the others wait on a lock
DB_LIMIT = 15.0  # what needs the database gives up with a plain message, well under gunicorn's 25 s


@pytest.fixture(scope="module")
def relayed(tmp_path_factory) -> Iterator[tuple[Server, Relay, str]]:
    """gunicorn reaching PostgreSQL through the relay, the relay, and the database's own URL."""
    url, name = new_postgres_url()
    try:
        fill(url, SMALL)
        parsed = make_url(url)
        with Relay(parsed.host or "127.0.0.1", parsed.port or 5432) as relay:
            through = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
            srv = start_gunicorn(through, tmp_path_factory.mktemp("frozen") / "gunicorn.log")
            try:
                yield srv, relay, url
            finally:
                stop_gunicorn(srv)
    finally:
        drop_postgres_database(name)


@pytest.fixture(autouse=True)
def thawed(relayed) -> Iterator[None]:
    """A test that fails mid-freeze leaves the next one a flowing relay."""
    yield
    relayed[1].unfreeze()


def timed(call) -> tuple[requests.Response, float]:
    started = time.monotonic()
    resp = call()
    return resp, time.monotonic() - started


def get(server: Server, path: str, timeout: float = 30) -> tuple[requests.Response, float]:
    return timed(lambda: requests.get(server.url + path, timeout=timeout))


def chart(server: Server, symbol: str = "MSFT") -> tuple[requests.Response, float]:
    payload = chart_payload(symbol, "1Y")
    return timed(lambda: requests.post(server.url + "/_dash-update-component", json=payload, timeout=30))


def worker_pids(server: Server) -> set[str]:
    out = subprocess.run(["pgrep", "-P", str(server.proc.pid)], capture_output=True, text=True).stdout
    return set(out.split())


def chart_drew(resp: requests.Response) -> bool:
    if resp.status_code != 200:
        return False
    data = resp.json()["response"]["price-chart"]["figure"]["data"]
    return bool(data) and data[0]["type"] == "candlestick" and len(data[0]["x"]) > 200


def test_frozen_database_never_freezes_the_web(relayed):
    server, relay, _ = relayed
    # Every thread of both workers holds a pooled connection, so the freeze catches live ones.
    with ThreadPoolExecutor(8) as pool:
        assert all(chart_drew(r) for r, _ in pool.map(lambda _: chart(server), range(16)))
    assert get(server, "/healthz")[0].status_code == 200
    workers = wait_for(
        lambda: len(worker_pids(server)) == 2 and worker_pids(server), 15, "2 workers", interval=0.2
    )

    relay.freeze()
    frozen_at = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        # Chart work hanging on the database in both workers while the rest is asked for.
        charts = [pool.submit(chart, server, s) for s in ("MSFT", "AAPL", "SPY", "MSFT", "AAPL", "SPY")]
        answers = []  # (seconds since the freeze, status, seconds taken)
        while len([a for a in answers if a[1] == 503]) < 6:
            resp, took = get(server, "/healthz")
            answers.append((time.monotonic() - frozen_at, resp.status_code, took))
            assert took < HEALTH_LIMIT, answers
            assert answers[-1][0] < PING_TTL + HEALTH_LIMIT + 6 * HEALTH_LIMIT, answers
        first_down = next(i for i, a in enumerate(answers) if a[1] == 503)
        # At most PING_TTL of "ok" from the cache, then down and staying down.
        assert answers[first_down][0] < PING_TTL + HEALTH_LIMIT, answers
        assert all(a[1] == 503 for a in answers[first_down:]), answers
        for path in ("/", "/assets/style.css", "/_dash-dependencies"):
            resp, took = get(server, path)
            assert resp.status_code == 200 and took < NO_DB_LIMIT, (path, resp.status_code, took)
        # The layout reads the database: it may wait for a thread behind charts caught by the
        # freeze, then says at once what it cannot show.
        layout, took = get(server, "/_dash-layout")
        assert layout.status_code == 200 and took < DB_LIMIT, took
        assert "Database unavailable" in layout.text
        for path in ("/api/history/MSFT", "/api/movers"):
            resp, took = get(server, path)
            assert resp.status_code == 503 and took < DB_LIMIT, (path, resp.status_code, took)
            assert "database" in resp.json()["error"] and "Traceback" not in resp.text
        for future in charts:
            resp, took = future.result()
            assert resp.status_code == 200 and took < DB_LIMIT, (resp.status_code, took)
            assert "database is not answering" in str(resp.json()["response"]["chart-notice"])
            assert not chart_drew(resp)

    relay.unfreeze()
    # Each worker finds out at its next health ping (at most PING_TTL plus one ping's wait).
    wait_for(
        lambda: all(get(server, "/healthz")[0].status_code == 200 for _ in range(8)),
        15,
        "/healthz to come back",
        interval=0.2,
    )

    def all_charts_draw() -> bool:
        with ThreadPoolExecutor(8) as pool:
            return all(chart_drew(r) for r, _ in pool.map(lambda _: chart(server), range(16)))

    wait_for(all_charts_draw, 15, "charts to come back", interval=0.2)
    assert get(server, "/api/history/MSFT")[0].status_code == 200
    assert worker_pids(server) == workers  # came back by itself: no worker was restarted


def test_a_request_caught_by_the_freeze_waits_for_one_reply_only(postgres_url):
    """Once the health check knows the database is down, no new connection is tried.

    The request's pooled connection gives up after one reply wait (the pre-ping's); SQLAlchemy
    would then open a new one and wait out its connect timeout too, for an answer already known.
    """
    parsed = make_url(postgres_url)
    with Relay(parsed.host or "127.0.0.1", parsed.port or 5432) as relay:
        through = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        engine = health.web_engine(through)
        with engine.connect() as conn:  # a pooled connection, as a busy web process holds
            conn.execute(text("SELECT 1"))
        relay.freeze()
        try:
            with ThreadPoolExecutor(1) as pool:
                started = time.monotonic()
                request = pool.submit(lambda: engine.connect().close())
                wait_for(lambda: not health.database_ok(through)[0], 10, "the health check to see it down")
                with pytest.raises(health.DatabaseDown):
                    request.result()
                took = time.monotonic() - started
        finally:
            relay.unfreeze()
            engine.dispose()
    assert took < LIMITS["web"].io + 1.0, took  # not io + connect


def page_files(server: Server) -> list[str]:
    """The page, a link's page and every script and stylesheet the page loads from us."""
    html = requests.get(server.url + "/", timeout=10).text
    files = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert any(f.startswith("/_dash-component-suites/") for f in files), files
    return ["/", "/?symbol=AAPL&period=5Y", "/_dash-dependencies", *files]


def waiting_on_a_lock(engine) -> int:
    """Sessions of this database waiting for a lock (a new transaction: pg_stat_activity is a snapshot)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ).scalar_one()


def test_a_locked_table_never_holds_the_page(relayed):
    """With every request thread waiting on a lock, the page, its files and /healthz answer at once.

    A table locked by a migration or a long write is a database that answers /healthz but holds
    each chart for its full lock timeout: the request pool stays full and its queue long, and a
    visitor's page and scripts, which need no database, must not wait behind it.
    """
    server, _, url = relayed
    files = page_files(server)
    stop = threading.Event()

    def keep_charting() -> list[tuple[requests.Response, float]]:
        answers = []
        while not stop.is_set():
            answers.append(chart(server))
        return answers

    locker = create_engine(url)
    try:
        with locker.connect() as conn, ThreadPoolExecutor(16) as pool:
            conn.execute(text("LOCK TABLE daily_bars IN ACCESS EXCLUSIVE MODE"))
            flood = [pool.submit(keep_charting) for _ in range(16)]
            try:
                # Both workers' 4 request threads are waiting on the lock, and more charts queue.
                wait_for(
                    lambda: waiting_on_a_lock(locker) >= 8,
                    15,
                    "every request thread to wait on the lock",
                    interval=0.1,
                )
                slow = []
                for _ in range(3):
                    for path in (*files, "/healthz"):
                        resp, took = get(server, path)
                        assert resp.status_code == 200, (path, resp.status_code)
                        if took >= PAGE_LIMIT:
                            slow.append((path, round(took, 2)))
                assert slow == [], slow
            finally:
                stop.set()
                conn.rollback()
            answers = [a for future in flood for a in future.result()]
    finally:
        locker.dispose()
    assert answers and all(resp.status_code == 200 for resp, _ in answers)
