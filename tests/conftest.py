"""Database fixtures: every test owns its database (a temp SQLite file, or a fresh PostgreSQL database)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from tests.harness import POSTGRES_ADMIN_URL, create_postgres_database, drop_postgres_database

ANYHOUR_SITE = Path(__file__).resolve().parent / "anyhour"


def pytest_configure(config) -> None:
    """With STOCKDASH_TEST_NOW set (tests/anyhour.sh), the session and every process it starts run
    at that moment: this process travels now, the children through the sitecustomize on PYTHONPATH."""
    if not os.environ.get("STOCKDASH_TEST_NOW"):
        return
    loaded = sys.modules.get("sitecustomize")
    if loaded is None or Path(loaded.__file__ or "").resolve().parent != ANYHOUR_SITE:
        spec = importlib.util.spec_from_file_location("anyhour_site", ANYHOUR_SITE / "sitecustomize.py")
        assert spec and spec.loader
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(ANYHOUR_SITE) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(ANYHOUR_SITE), *paths])


def pytest_report_header(config) -> str | None:
    moment = os.environ.get("STOCKDASH_TEST_NOW")
    return f"moment: {moment} (STOCKDASH_TEST_NOW: the wall clock travels there)" if moment else None


def _postgres_admin() -> Engine | None:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        engine.dispose()
        return None
    return engine


_ADMIN: list[Engine | None] = []


def skip_or_fail(reason: str) -> None:
    """Skip with the reason on a machine without the service; fail in CI, where it must be there."""
    if os.environ.get("STOCKDASH_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (STOCKDASH_REQUIRE_SERVICES is set)")
    pytest.skip(reason)


def postgres_admin() -> Engine:
    """The admin engine, or a skip with the reason when no PostgreSQL answers."""
    if not _ADMIN:
        _ADMIN.append(_postgres_admin())
    if _ADMIN[0] is None:
        skip_or_fail(f"PostgreSQL is not reachable at {make_url(POSTGRES_ADMIN_URL).render_as_string()}")
    return _ADMIN[0]


def new_postgres_url() -> tuple[str, str]:
    """Create an empty database for one test; returns (url, name)."""
    postgres_admin()  # or skip with the reason
    return create_postgres_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'stockdash.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url, name = new_postgres_url()
    yield url
    drop_postgres_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """An empty database of each kind: the same test runs on SQLite and PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    """A migrated database of each kind."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(database_url) -> Settings:
    """Demo-provider settings pointing at this test's database, ignoring any local .env."""
    return Settings(_env_file=None, database_url=database_url, provider="demo", universe="AAPL,MSFT")


@pytest.fixture(scope="session", autouse=True)
def _close_postgres_admin() -> Iterator[None]:
    yield
    if _ADMIN and _ADMIN[0] is not None:
        _ADMIN[0].dispose()
