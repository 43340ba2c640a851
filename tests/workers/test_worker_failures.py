"""Workers that die, stop or meet a rate limit, through the real Yahoo path (yfinance asking a local
stand-in over HTTP): the chunk runs again and the data ends as a clean in-process pull leaves it."""

from __future__ import annotations

import signal
import time
from datetime import date

import pandas as pd
import pytest
from rq import Retry
from rq.job import Job as RqJob
from sqlalchemy import select

from stockdash import jobs, runs
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers import make_provider
from stockdash.providers.yahoo import YahooProvider
from stockdash.schema import daily_bars, job_runs
from stockdash.workers import enqueue
from stockdash.workers.connection import redis_for
from stockdash.workers.rq_worker import Timing
from tests.conftest import new_postgres_url
from tests.harness import drop_postgres_database, wait_for
from tests.workers.conftest import FAST, live_worker_count, queue_settings, settings_env
from tests.yahoo_replay import YahooReplay, rate_limited, yahoo_replay
from tests.yahoo_server import YahooStandIn

TODAY = date(2022, 1, 28)
ROUTES = {
    "MSFT": "MSFT_2021-02-01_2022-01-28",
    "NVDA": "NVDA_2021-02-01_2022-01-28",
    "TSLA": "TSLA_2010-06-29_2023-08-11",
}
UNIVERSE = "MSFT,NVDA,TSLA"
NO_WAIT = Retry(max=2)  # a chunk handed back runs again at once: no scheduler wait in these tests

pytestmark = pytest.mark.slow


@pytest.fixture
def clean_pull(tmp_path):
    """The bars a clean in-process pull of UNIVERSE stores, from the same recordings."""
    url, name = new_postgres_url()
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(
        _env_file=None, database_url=url, provider="yahoo", universe=UNIVERSE, history_years=1
    )
    with yahoo_replay(ROUTES, cache_dir=tmp_path / "clean-yf-cache"):
        result = jobs.pull(engine, YahooProvider(retries=0), settings, today=TODAY)
    assert result.status == "ok" and result.symbols_ok == 3
    yield bars(engine)
    engine.dispose()
    drop_postgres_database(name)


@pytest.fixture
def queued_db(postgres_url):
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield postgres_url, engine
    engine.dispose()


def bars(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        query = select(daily_bars).order_by(daily_bars.c.symbol, daily_bars.c.date)
        return pd.DataFrame(conn.execute(query).mappings().all())


def settings_for(url: str, redis_url: str, yahoo: YahooStandIn) -> Settings:
    yahoo_settings = {"provider": "yahoo", "yahoo_base_url": yahoo.base_url, "yahoo_retries": 0}
    return queue_settings(url, redis_url, universe=UNIVERSE, queue_chunk_size=1, **yahoo_settings)


def env_for(settings: Settings, tmp_path, name: str) -> dict[str, str]:
    cache = str(tmp_path / f"cache-{name}")  # yfinance's timezone cache, per worker
    return settings_env(settings, YAHOO_BASE_URL=settings.yahoo_base_url, XDG_CACHE_HOME=cache)


def finish_job(redis_url: str, result: enqueue.Enqueued) -> RqJob:
    return RqJob.fetch(f"{result.batch}_finish", connection=redis_for(redis_url))


def wait_pull_done(redis_url: str, result: enqueue.Enqueued, timeout: float = 90) -> None:
    wait_for(lambda: finish_job(redis_url, result).get_status() == "finished", timeout, "the pull to finish")


def chunk_runs(engine) -> list[dict]:
    with engine.connect() as conn:
        query = select(job_runs).where(job_runs.c.job == "pull-chunk").order_by(job_runs.c.id)
        return [dict(r) for r in conn.execute(query).mappings()]


def started_job(redis_url: str) -> RqJob | None:
    registry = enqueue.pull_queue(redis_for(redis_url)).started_job_registry
    ids = registry.get_job_ids()
    return RqJob.fetch(ids[0], connection=redis_for(redis_url)) if ids else None


def pull_caught_mid_chunk(
    redis_url: str, engine, settings: Settings, yahoo: YahooStandIn, worker
) -> tuple[enqueue.Enqueued, RqJob | None]:
    """Once `worker` is up, queue a pull and wait until its first chunk hangs on the stand-in's
    closed gate: (the pull, the chunk's job)."""
    wait_for(lambda: live_worker_count(redis_url) == 1, 30, "the worker")
    result = enqueue.enqueue_pull(
        redis_for(redis_url), engine, make_provider(settings, "yahoo"), settings, today=TODAY, retry=NO_WAIT
    )
    assert yahoo.held.acquire(timeout=60), worker.text()
    return result, started_job(redis_url)


def test_sigkill_mid_chunk_the_chunk_runs_again_and_the_data_is_whole(
    clean_pull, queued_db, redis_url, workers, tmp_path
):
    url, engine = queued_db
    with YahooStandIn(YahooReplay(ROUTES)) as yahoo:
        settings = settings_for(url, redis_url, yahoo)
        yahoo.gate.clear()  # Yahoo "hangs": the first chunk is caught mid-fetch
        doomed = workers(env_for(settings, tmp_path, "doomed"), *FAST)
        result, killed = pull_caught_mid_chunk(redis_url, engine, settings, yahoo, doomed)
        assert killed is not None and killed.get_status() == "started"

        doomed.signal_dyno(signal.SIGKILL)  # the dyno dies: worker, job process, scheduler
        doomed.proc.wait(timeout=10)
        survivor = workers(env_for(settings, tmp_path, "survivor"), *FAST)
        yahoo.gate.set()
        wait_pull_done(redis_url, result)

    killed.refresh()
    assert killed.get_status() == "finished"
    assert killed.retries_left == NO_WAIT.max - 1  # it ran again through its Retry
    pd.testing.assert_frame_equal(bars(engine), clean_pull)

    pull = runs.recent(engine)[-1]
    assert (pull["job"], pull["status"], pull["symbols_ok"]) == ("pull", "ok", 3), pull
    statuses = sorted(c["status"] for c in chunk_runs(engine))
    assert statuses == ["failed", "ok", "ok", "ok"], survivor.text()  # the killed attempt, then three
    dead = [c for c in chunk_runs(engine) if c["status"] == "failed"][0]
    assert dead["message"].startswith("abandoned: its worker died mid-chunk")
    assert dead["rows_written"] == 0


def test_sigterm_lets_a_chunk_finish_within_the_grace(queued_db, redis_url, workers, tmp_path):
    url, engine = queued_db
    with YahooStandIn(YahooReplay(ROUTES)) as yahoo:
        settings = settings_for(url, redis_url, yahoo)
        yahoo.gate.clear()
        worker = workers(env_for(settings, tmp_path, "w"))  # production timings
        result, job = pull_caught_mid_chunk(redis_url, engine, settings, yahoo, worker)
        sent = time.monotonic()
        worker.signal_dyno(signal.SIGTERM)
        time.sleep(1)  # Yahoo answers a second after the SIGTERM: well inside the grace
        yahoo.gate.set()
        worker.proc.wait(timeout=30)
        took = time.monotonic() - sent

    assert took < 10, worker.text()
    assert worker.proc.returncode == 0, worker.text()
    assert job.get_status() == "finished"  # finished, not handed back
    assert [c["status"] for c in chunk_runs(engine)] == ["ok"]
    assert finish_job(redis_url, result).get_status() == "deferred"  # two chunks wait for a worker


def test_sigterm_hands_back_a_chunk_that_cannot_finish_within_30s(
    clean_pull, queued_db, redis_url, workers, tmp_path
):
    url, engine = queued_db
    with YahooStandIn(YahooReplay(ROUTES)) as yahoo:
        settings = settings_for(url, redis_url, yahoo)
        yahoo.gate.clear()  # Yahoo never answers while the worker stops
        # The provider's own retries of its timeouts would outlast the grace: the grace must end it.
        worker = workers({**env_for(settings, tmp_path, "w"), "YAHOO_RETRIES": "4"})  # production timings
        result, job = pull_caught_mid_chunk(redis_url, engine, settings, yahoo, worker)
        sent = time.monotonic()
        worker.signal_dyno(signal.SIGTERM)
        worker.proc.wait(timeout=30)
        took = time.monotonic() - sent
        log = worker.text()

        assert Timing().shutdown_grace <= took < 28, log
        assert worker.proc.returncode == 0, log
        assert "handing it back" in log
        job.refresh()
        assert job.get_status() == "queued" and job.retries_left == NO_WAIT.max - 1  # back in the queue
        assert bars(engine).empty  # the chunk wrote nothing

        yahoo.gate.set()
        workers(env_for(settings, tmp_path, "next"), *FAST)  # the next dyno
        wait_pull_done(redis_url, result)
    pd.testing.assert_frame_equal(bars(engine), clean_pull)


def test_a_rate_limited_chunk_is_retried_with_backoff(clean_pull, queued_db, redis_url, workers, tmp_path):
    url, engine = queued_db
    replay = YahooReplay(ROUTES)
    # Yahoo refuses MSFT twice (yfinance itself asks twice on a 429), then answers.
    replay.add("MSFT", rate_limited(), rate_limited(), ROUTES["MSFT"])
    with YahooStandIn(replay) as yahoo:
        settings = settings_for(url, redis_url, yahoo)
        worker = workers(env_for(settings, tmp_path, "w"), *FAST)
        result = enqueue.enqueue_pull(
            redis_for(redis_url),
            engine,
            make_provider(settings, "yahoo"),
            settings,
            today=TODAY,
            retry=Retry(1, [3]),
        )
        wait_pull_done(redis_url, result)

    msft = [c for c in chunk_runs(engine) if c["message"].startswith("chunk 1/3")]
    assert [c["status"] for c in msft] == ["failed", "ok"], worker.text()
    assert "rate limited" in msft[0]["message"]
    waited = (msft[1]["started_at"] - msft[0]["finished_at"]).total_seconds()
    # The Retry's 3 s backoff, kept by RQ's scheduler (whose timestamps are whole seconds).
    assert waited >= 2, waited
    assert "scheduled for retry" in worker.text()
    pd.testing.assert_frame_equal(bars(engine), clean_pull)
    assert runs.recent(engine)[-1]["status"] == "ok"
