"""The chart with queue workers alive: a stale ticker is a worker's job, the chart says so and fills in."""

from __future__ import annotations

import time

import pytest
from rq import Queue

from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.web.services import Services
from stockdash.workers.connection import redis_for
from stockdash.workers.enqueue import FETCH_QUEUE
from stockdash.workers.fetches import FETCHING
from tests.harness import wait_for
from tests.web.test_callbacks import text_of
from tests.workers.conftest import FAST, live_worker_count, worker_env

pytestmark = pytest.mark.slow


@pytest.fixture
def migrated(postgres_url) -> str:
    engine = make_engine(postgres_url)
    upgrade(engine)
    engine.dispose()
    return postgres_url


def web_services(database_url: str, redis_url: str) -> Services:
    settings = Settings(_env_file=None, database_url=database_url, redis_url=redis_url, provider="demo")
    return Services(settings)


def draw(services: Services, symbol: str) -> tuple[dict, str, set[str]]:
    fetching: set[str] = set()
    figure, _header, notice, _href = chart_callbacks.chart(
        services, {"symbol": symbol, "period": "1Y"}, "candles", [], fetching=fetching
    )
    return figure, text_of(notice) + text_of(figure.get("layout", {}).get("annotations", "")), fetching


def test_a_worker_fetches_the_chart_fills_in(migrated, redis_url, workers):
    postgres_url = migrated
    worker = workers(worker_env(DATABASE_URL=postgres_url, REDIS_URL=redis_url, PROVIDER="demo"), *FAST)
    wait_for(lambda: live_worker_count(redis_url) == 1, 30, "a live worker")
    services = web_services(postgres_url, redis_url)

    figure, said, fetching = draw(services, "NVDA")
    assert fetching == {"NVDA"}  # the callback keeps polling while this is not empty
    assert FETCHING in str(figure) or FETCHING in said

    # A second visitor (another web process) asking at once joins the same job.
    other = web_services(postgres_url, redis_url)
    assert draw(other, "NVDA")[2] == {"NVDA"}

    def filled() -> bool:
        figure, _, fetching = draw(services, "NVDA")
        return not fetching and any(t.get("type") == "candlestick" for t in figure["data"])

    wait_for(filled, 60, "the chart to fill in")
    figure, said, fetching = draw(services, "NVDA")
    candles = next(t for t in figure["data"] if t["type"] == "candlestick")
    assert len(candles["x"]) > 200 and FETCHING not in said
    assert worker.text().count("job=fetch symbol=NVDA") == 1  # one fetch for both visitors


def test_without_live_workers_the_web_fetches_in_process(migrated, redis_url):
    postgres_url = migrated
    services = web_services(postgres_url, redis_url)
    started = time.monotonic()
    figure, _said, fetching = draw(services, "MSFT")
    assert not fetching and time.monotonic() - started < 10
    assert any(t["type"] == "candlestick" for t in figure["data"])
    assert Queue(FETCH_QUEUE, connection=redis_for(redis_url)).count == 0
