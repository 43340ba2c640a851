"""Web fixtures: demo databases filled through the real jobs, and a real `gunicorn app:server`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockdash import jobs
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.demo import DemoProvider
from stockdash.web import create_app
from stockdash.web.services import Services
from tests.harness import ROOT, Server, start_gunicorn, stop_gunicorn

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
    """Migrate and fill `url` the way the clock does: pull, then movers and the screener's snapshot."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        result = jobs.pull(engine, DemoProvider(), demo_settings(url), symbols=symbols, progress=False)
        assert result.status == "ok", result.log_line()
        assert jobs.compute_movers(engine).status == "ok"
        assert jobs.compute_stats(engine).status == "ok"
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


@pytest.fixture(scope="session")
def server(demo_db_file, tmp_path_factory) -> Iterator[Server]:
    """A real gunicorn on the session's demo database (tests only read through it)."""
    srv = start_gunicorn(f"sqlite:///{demo_db_file}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)
