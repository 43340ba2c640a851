"""A frozen database (connections open, no byte flowing) never freezes the web, and service returns by itself.

Real gunicorn (gunicorn.conf.py, 2 workers) talks to PostgreSQL through a relay the test freezes.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy.engine import make_url

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
DB_LIMIT = 15.0  # what needs the database gives up with a plain message, well under gunicorn's 25 s


@pytest.fixture(scope="module")
def relayed(tmp_path_factory) -> Iterator[tuple[Server, Relay]]:
    url, name = new_postgres_url()
    try:
        fill(url, SMALL)
        parsed = make_url(url)
        with Relay(parsed.host or "127.0.0.1", parsed.port or 5432) as relay:
            through = parsed.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
            srv = start_gunicorn(through, tmp_path_factory.mktemp("frozen") / "gunicorn.log")
            try:
                yield srv, relay
            finally:
                stop_gunicorn(srv)
    finally:
        drop_postgres_database(name)


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
    server, relay = relayed
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
        layout, took = get(server, "/_dash-layout")
        assert layout.status_code == 200 and took < NO_DB_LIMIT, took
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
