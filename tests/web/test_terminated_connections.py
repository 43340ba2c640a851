"""Database connections terminated under load (a failover, an admin's pg_terminate_backend): never a 500.

Real gunicorn (gunicorn.conf.py, 2 workers) on PostgreSQL; one thread terminates every backend of the
test's database over and over while others ask for the page, the callbacks and the API.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from stockdash import reads
from stockdash.web import health
from stockdash.web.movers import callbacks as movers_callbacks
from tests.conftest import new_postgres_url
from tests.harness import (
    POSTGRES_ADMIN_URL,
    chart_payload,
    drop_postgres_database,
    movers_payload,
    start_gunicorn,
    stop_gunicorn,
    wait_for,
)
from tests.web.conftest import SMALL, fill, services_for

SECONDS = 8.0
GETS = ["/", "/_dash-layout", "/healthz", "/api/history/MSFT", "/api/movers", "/api/quotes?symbols=MSFT"]
POSTS = [
    chart_payload("MSFT"),
    chart_payload("SPY", "5Y"),
    *(movers_payload(h, g) for h in ("1d", "1w", "1m", "1y") for g in ("sp500", "etfs", "all")),
]
JSON_503 = {"/healthz", "/api/history/MSFT", "/api/movers", "/api/quotes?symbols=MSFT"}


def _terminate_backends(name: str, stop: threading.Event, killed: list[int]) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        while not stop.is_set():
            with admin.connect() as conn:
                killed.append(
                    conn.execute(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": name},
                    ).scalar_one()
                )
            stop.wait(0.05)
    finally:
        admin.dispose()


def _ask(base: str, n: int) -> tuple[str, int, str]:
    """One request, picked by `n`: (what was asked, status, content type)."""
    every = [*GETS, *POSTS]
    asked = every[n % len(every)]
    if isinstance(asked, str):
        resp = requests.get(base + asked, timeout=30)
        return asked, resp.status_code, resp.headers.get("Content-Type", "")
    resp = requests.post(base + "/_dash-update-component", json=asked, timeout=30)
    return asked["output"], resp.status_code, resp.headers.get("Content-Type", "")


def test_no_500_while_database_connections_are_terminated(tmp_path):
    url, name = new_postgres_url()
    try:
        fill(url, SMALL)
        server = start_gunicorn(url, tmp_path / "gunicorn.log")
        stop, killed = threading.Event(), []
        killer = threading.Thread(target=_terminate_backends, args=(name, stop, killed))
        try:
            killer.start()
            answers = []
            deadline = time.monotonic() + SECONDS
            with ThreadPoolExecutor(8) as pool:
                n = 0
                while time.monotonic() < deadline:
                    answers += pool.map(lambda i: _ask(server.url, i), range(n, n + 32))
                    n += 32
        finally:
            stop.set()
            killer.join()
            stop_gunicorn(server)
    finally:
        drop_postgres_database(name)
    assert sum(killed) > 20, "the test terminated too few connections to mean anything"
    wrong = [
        (asked, status)
        for asked, status, kind in answers
        if status != 200 and not (status == 503 and asked in JSON_503 and kind.startswith("application/json"))
    ]
    print(Counter(status for _, status, _ in answers), sum(killed), "backends terminated")
    assert wrong == [], Counter(wrong)
    assert "Traceback" not in server.output()


def test_a_snapshot_read_draws_its_sector_map_after_the_database_went_away(postgres_url):
    """The race the fault test above once hit: the snapshot read, then the database gone before the
    sector map's cache key was made (it read `services.engine`, which pinged, and raised)."""
    fill(postgres_url, SMALL)
    services = services_for(postgres_url)
    snap = reads.movers_view(services.engine, horizon="1d", group="all")
    drop_postgres_database(make_url(postgres_url).database)
    wait_for(lambda: not health.database_ok(postgres_url)[0], what="the health check to say down")
    figure = movers_callbacks._sector_map(services, snap, "1d", "all")
    assert figure["data"][0]["type"] == "treemap"
