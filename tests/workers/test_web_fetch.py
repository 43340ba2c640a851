"""The chart with queue workers alive: a stale ticker is a worker's job, the chart says so and fills in."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from rq import Queue

from stockdash import jobs
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.demo import DemoProvider
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.web.services import Services
from stockdash.workers.connection import redis_for
from stockdash.workers.enqueue import FETCH_QUEUE
from stockdash.workers.fetches import FETCHING
from tests.harness import wait_for
from tests.web.test_callbacks import text_of
from tests.web.test_intraday_fetch import yahoo_db
from tests.workers.conftest import FAST, live_worker_count, worker_env
from tests.yahoo_replay import YahooReplay, recording
from tests.yahoo_server import YahooStandIn

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


def test_a_worker_fetches_minute_bars_once_for_every_visitor(migrated, redis_url, workers):
    """5D of a stock with no minute bars: a worker's job (the chart polls meanwhile), then drawn."""
    postgres_url = migrated
    friday = datetime(2026, 11, 20).date()
    saturday = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    settings = Settings(
        _env_file=None,
        database_url=postgres_url,
        redis_url=redis_url,
        provider="demo",
        history_years=1,
        stale_after_hours=10**7,
    )
    engine = make_engine(postgres_url)
    jobs.pull(engine, DemoProvider(today=friday), settings, symbols=["MSFT"], today=friday, progress=False)
    engine.dispose()
    worker = workers(worker_env(DATABASE_URL=postgres_url, REDIS_URL=redis_url, PROVIDER="demo"), *FAST)
    wait_for(lambda: live_worker_count(redis_url) == 1, 30, "a live worker")

    def five_days(services: Services) -> tuple[dict, str, set[str]]:
        fetching: set[str] = set()
        view = {"symbol": "MSFT", "period": "5D"}
        figure, _header, notice, _href = chart_callbacks.chart(
            services, view, "candles", [], fetching=fetching, now=saturday
        )
        return figure, text_of(notice), fetching

    services, other = Services(settings), Services(settings)
    figure, said, fetching = five_days(services)
    assert fetching == {"MSFT"} and "Fetching MSFT's 1-minute bars" in said and "daily candles" in said
    assert five_days(other)[2] == {"MSFT"}  # a second web process joins the same job

    wait_for(lambda: not five_days(services)[2], 60, "the minute bars to land")
    figure, said, _ = five_days(other)
    assert len(figure["data"][0]["x"]) == 5 * 960 and "1-minute bars (demo)" in said
    assert worker.text().count("job=fetch-minutes symbol=MSFT") == 1


def test_a_worker_fetches_yahoo_minute_bars_from_the_stand_in(migrated, redis_url, workers):
    """The worker's yfinance asks the local Yahoo stand-in for the recorded 1m answer, once."""
    postgres_url = migrated
    saturday = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    yahoo_db(postgres_url)
    replay = YahooReplay({"AAPL": recording("SYNTHETIC_AAPL_1m_2026-11-16_2026-11-20")})
    with YahooStandIn(replay) as yahoo:
        env = worker_env(DATABASE_URL=postgres_url, REDIS_URL=redis_url, PROVIDER="yahoo")
        worker = workers(env | {"YAHOO_BASE_URL": yahoo.base_url}, *FAST)
        wait_for(lambda: live_worker_count(redis_url) == 1, 30, "a live worker")
        settings = Settings(
            _env_file=None,
            database_url=postgres_url,
            redis_url=redis_url,
            provider="yahoo",
            stale_after_hours=10**7,
        )
        services = Services(settings)

        def one_day() -> tuple[dict, str, set[str]]:
            fetching: set[str] = set()
            view = {"symbol": "AAPL", "period": "1D"}
            figure, _h, notice, _ = chart_callbacks.chart(
                services, view, "candles", [], fetching=fetching, now=saturday
            )
            return figure, text_of(notice), fetching

        assert one_day()[2] == {"AAPL"}
        wait_for(lambda: not one_day()[2], 60, "the minute bars to land")
        figure, said, _ = one_day()
    assert len(figure["data"][0]["x"]) == 480 and "1-minute bars, Fri 20 Nov 08:30" in said
    assert replay.count("AAPL", "history") == 1
    assert worker.text().count("job=fetch-minutes symbol=AAPL") == 1
