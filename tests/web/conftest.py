"""Web fixtures: demo databases filled through the real jobs, and a real `gunicorn app:server`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from stockdash import jobs
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.demo import DemoProvider
from stockdash.web import create_app
from stockdash.web.queries import Services

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"

# 24 S&P 500 members (so each movers table has 10 rows) and two ETFs, two years of bars.
SP500_SAMPLE = [
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "JPM", "XOM", "JNJ", "PG", "KO", "PEP",
    "WMT", "HD", "CVX", "MRK", "ABBV", "COST", "ORCL", "CSCO", "NFLX", "DIS", "INTC", "CAT",
]  # fmt: skip
ETF_SAMPLE = ["SPY", "QQQ"]
SMALL = ["AAPL", "MSFT", "SPY"]


def demo_settings(url: str, **extra) -> Settings:
    return Settings(_env_file=None, database_url=url, provider="demo", history_years=2, **extra)


def fill(url: str, symbols: list[str]) -> None:
    """Migrate and fill `url` the way the clock does: pull, then movers."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        result = jobs.pull(engine, DemoProvider(), demo_settings(url), symbols=symbols, progress=False)
        assert result.status == "ok", result.log_line()
        assert jobs.movers(engine).status == "ok"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """A filled demo SQLite database, built once; tests that write get their own copy."""
    path = tmp_path_factory.mktemp("webdb") / "demo.db"
    fill(f"sqlite:///{path}", SP500_SAMPLE + ETF_SAMPLE)
    return path


@pytest.fixture
def demo_url(demo_db_file, tmp_path) -> str:
    """This test's own copy of the filled demo database."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(params=["sqlite", "postgres"])
def filled_url(request, tmp_path) -> str:
    """A small filled demo database of each kind (AAPL, MSFT, SPY; two years)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'small.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    fill(url, SMALL)
    return url


@pytest.fixture(scope="session")
def app_for_tests():
    """One Dash app object for the session (its layout/validation only; services are per test)."""
    return create_app(demo_settings("sqlite:///:memory:"))


def services_for(url: str, provider=None, **extra) -> Services:
    return Services(demo_settings(url, **extra), provider_override=provider)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_gunicorn(
    database_url: str, log_path: Path, *, target: str = "app:server", **env_extra: str
) -> Server:
    """`gunicorn app:server` (or `target`) with gunicorn.conf.py on a free port; waits until it answers."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PROVIDER": "demo",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DASH_DEBUG": "0",
        **env_extra,
    }
    with open(log_path, "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", target],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log_path)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{server.output()}")
        try:
            requests.get(server.url + "/healthz", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    stop_gunicorn(server)
    raise RuntimeError(f"gunicorn did not answer within 20 s:\n{server.output()}")


def stop_gunicorn(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()


@pytest.fixture(scope="session")
def server(demo_db_file, tmp_path_factory) -> Iterator[Server]:
    """A real gunicorn on the session's demo database (tests only read through it)."""
    srv = start_gunicorn(f"sqlite:///{demo_db_file}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)
