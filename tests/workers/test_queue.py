"""The pull on the queue against real Redis: spread over worker processes, deduplicated, movers last,
in-process when Redis is down, and the CLI's view of it."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from datetime import date

import pandas as pd
import pytest
from rq import Queue
from rq.job import Job as RqJob
from sqlalchemy import select

from stockdash import jobs, runs
from stockdash.clock.runner import ClockJobs
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.demo import DemoProvider
from stockdash.schema import daily_bars, job_runs, movers, screener, securities
from stockdash.workers import enqueue
from stockdash.workers.connection import redis_for
from tests.conftest import new_postgres_url
from tests.harness import wait_for
from tests.workers.conftest import FAST, ROOT, live_worker_count, queue_settings, settings_env

TODAY = date(2026, 11, 20)

pytestmark = pytest.mark.slow


def table(engine, tbl, *order) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(tbl).order_by(*order)).mappings().all())


def run_rows(engine, job: str | None = None) -> list[dict]:
    query = select(job_runs).order_by(job_runs.c.id)
    if job:
        query = query.where(job_runs.c.job == job)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def wait_finished(redis_url: str, result: enqueue.Enqueued, timeout: float = 90) -> RqJob:
    """The pull's last job, once it finished (or failed: the assertion after says which)."""
    redis = redis_for(redis_url)

    def ended():
        job = RqJob.fetch(f"{result.batch}_finish", connection=redis)
        return job.get_status() in ("finished", "failed")

    wait_for(ended, timeout, "the pull's last job")
    return RqJob.fetch(f"{result.batch}_finish", connection=redis)


@pytest.fixture
def two_postgres():
    """Two empty, migrated PostgreSQL databases: one for the queue, one for an in-process pull."""
    from tests.harness import drop_postgres_database

    made = [new_postgres_url() for _ in range(2)]
    engines = [make_engine(url) for url, _ in made]
    for engine in engines:
        upgrade(engine)
    yield [(url, engine) for (url, _), engine in zip(made, engines, strict=True)]
    for engine in engines:
        engine.dispose()
    for _, name in made:
        drop_postgres_database(name)


def test_two_workers_store_what_an_in_process_pull_stores(two_postgres, redis_url, workers):
    (queued_url, queued), (local_url, local) = two_postgres
    settings = queue_settings(queued_url, redis_url)
    env = settings_env(settings)
    first, second = workers(env, *FAST), workers(env, *FAST)
    wait_for(lambda: live_worker_count(redis_url) == 2, 30, "two live workers")

    result = enqueue.enqueue_pull(redis_for(redis_url), queued, DemoProvider(), settings, today=TODAY)
    assert result.chunks == 6 and not result.already
    finished = wait_finished(redis_url, result)
    assert finished.get_status() == "finished", first.text() + second.text()
    # The screener's snapshot, queued by the last job as chunks: wait for its run to close.
    wait_for(lambda: runs.has_stats(queued, TODAY), 60, "the queued screener snapshot")

    in_process = jobs.daily(local, DemoProvider(), queue_settings(local_url, redis_url), today=TODAY)
    assert [r.status for r in in_process] == ["ok", "ok", "ok"]
    for tbl, order in (
        (daily_bars, (daily_bars.c.symbol, daily_bars.c.date)),
        (securities, (securities.c.symbol,)),
        (movers, tuple(movers.c)),
        (screener, (screener.c.symbol,)),
    ):
        pd.testing.assert_frame_equal(table(queued, tbl, *order), table(local, tbl, *order))

    # The run log: one pull run with the totals of an in-process one, its six chunks under it.
    pull = run_rows(queued, "pull")
    assert len(pull) == 1 and pull[0]["status"] == "ok"
    assert pull[0]["rows_written"] == in_process[0].rows_written
    assert pull[0]["symbols_ok"] == in_process[0].symbols_ok == 12
    assert pull[0]["message"] == "6 of 6 chunk jobs on 2 worker(s)"
    chunks = runs.children(queued, pull[0]["id"])
    assert [c["status"] for c in chunks] == ["ok"] * 6
    assert sum(c["rows_written"] for c in chunks) == pull[0]["rows_written"]
    assert runs.has_pulled(queued, TODAY) and runs.has_movers(queued, TODAY)
    # Each worker ran at least one chunk.
    assert "pull: chunk" in first.text() and "pull: chunk" in second.text()


def test_movers_waits_for_every_chunk(postgres_url, redis_url, workers):
    engine = make_engine(postgres_url)
    upgrade(engine)
    settings = queue_settings(postgres_url, redis_url)
    redis = redis_for(redis_url)
    result = enqueue.enqueue_pull(redis, engine, DemoProvider(), settings, today=TODAY)
    finish = RqJob.fetch(f"{result.batch}_finish", connection=redis)
    assert finish.get_status() == "deferred"  # nothing ran yet: it waits for the six chunks

    env = settings_env(settings)
    workers(env, *FAST), workers(env, *FAST)
    assert wait_finished(redis_url, result).get_status() == "finished"

    chunks = run_rows(engine, "pull-chunk")
    mover_runs = run_rows(engine, "movers")
    assert len(chunks) == 6 and {c["status"] for c in chunks} == {"ok"}
    assert len(mover_runs) == 1 and mover_runs[0]["status"] == "ok"
    assert mover_runs[0]["started_at"] >= max(c["finished_at"] for c in chunks)
    assert mover_runs[0]["target_date"] == TODAY
    engine.dispose()


def test_a_second_enqueue_is_a_no_op(engine, database_url, redis_url):
    settings = queue_settings(database_url, redis_url)
    redis = redis_for(redis_url)
    first = enqueue.enqueue_pull(redis, engine, DemoProvider(), settings, today=TODAY)
    queue = Queue(enqueue.PULL_QUEUE, connection=redis)
    assert first.chunks == 6 and queue.count == 6

    again = enqueue.enqueue_pull(redis, engine, DemoProvider(), settings, today=TODAY)
    assert again.already and again.batch == first.batch
    assert queue.count == 6
    assert len(run_rows(engine, "pull")) == 1

    # One chunk queued by itself again (a second clock, a retry of the enqueue) is refused too.
    chunk_ids = RqJob.fetch(f"{first.batch}_finish", connection=redis).kwargs["chunk_ids"]
    chunk = RqJob.fetch(chunk_ids[0], connection=redis).args[0]
    assert enqueue.chunk_id("demo", chunk) == chunk_ids[0]
    same = enqueue._enqueue_chunk(
        queue, chunk, provider="demo", run_id=first.run_id, of=(1, 6), retry=enqueue.CHUNK_RETRY
    )
    assert same == chunk_ids[0] and queue.count == 6
    assert queue.get_job_ids() == chunk_ids


def test_redis_down_the_clock_pulls_in_process(engine, database_url, caplog):
    # Nothing listens on port 1: connecting fails at once, as with a Redis that is down.
    settings = queue_settings(database_url, "redis://127.0.0.1:1/0", universe="AAPL,MSFT")
    clock = ClockJobs(settings, engine, threading.Event(), provider_name="demo")
    clock._provider = DemoProvider()
    with caplog.at_level(logging.INFO):
        clock.daily()
    assert "job=daily Redis unreachable (ConnectionError" in caplog.text
    assert "running in-process" in caplog.text
    done = [(r["job"], r["status"], r["parent_id"]) for r in run_rows(engine)]
    assert done == [("pull", "ok", None), ("movers", "ok", None), ("stats", "ok", None)]


def test_no_live_worker_the_clock_pulls_in_process(engine, database_url, redis_url, caplog):
    settings = queue_settings(database_url, redis_url, universe="AAPL,MSFT")
    clock = ClockJobs(settings, engine, threading.Event(), provider_name="demo")
    clock._provider = DemoProvider()
    with caplog.at_level(logging.INFO):
        clock.daily()
    assert "job=daily the queue has no live worker: running in-process" in caplog.text
    assert [(r["job"], r["status"]) for r in run_rows(engine)] == [
        ("pull", "ok"),
        ("movers", "ok"),
        ("stats", "ok"),
    ]
    assert Queue(enqueue.PULL_QUEUE, connection=redis_for(redis_url)).count == 0


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "worker.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_status_shows_failed_jobs_and_requeue_failed_puts_them_back(engine, database_url, redis_url):
    settings = queue_settings(database_url, redis_url, universe="AAPL,MSFT")
    env = settings_env(settings)
    queued = cli(env, "pull", "--enqueue")
    assert queued.returncode == 0 and "chunks=1 queued" in queued.stdout, queued.stderr
    assert "no live worker yet" in queued.stderr
    again = cli(env, "pull", "--enqueue")
    assert "already queued: nothing added" in again.stdout

    # A worker whose PROVIDER is not the one the pull was queued for fails the chunk job.
    ran = cli({**env, "PROVIDER": "yahoo"}, "work", "--burst")
    assert ran.returncode == 0, ran.stderr
    status = cli(env, "status")
    assert status.returncode == 0, status.stderr
    assert "queue         : waiting alerts 0, fetch 0, pull 0" in status.stdout
    assert "live workers  : 0" in status.stdout
    assert "failed jobs   : 1 (python worker.py requeue-failed puts them back)" in status.stdout
    assert "pull-chunk_demo_" in status.stdout and "ProviderMismatch" in status.stdout
    pull = run_rows(engine, "pull")[0]
    assert pull["status"] == "failed" and pull["message"].startswith("0 of 1 chunk jobs")
    assert runs.children(engine, pull["id"]) == []  # the mismatch is found before the chunk runs

    requeued = cli(env, "requeue-failed")
    assert requeued.returncode == 0 and "requeued 1 failed job(s)" in requeued.stdout
    status = cli(env, "status")
    assert (
        "queue         : waiting alerts 0, fetch 0, pull 1" in status.stdout
        and "failed jobs   : 0" in status.stdout
    )
    ran = cli(env, "work", "--burst")
    assert ran.returncode == 0
    assert "failed jobs   : 0" in cli(env, "status").stdout
    assert table(engine, daily_bars)["symbol"].nunique() == 2
