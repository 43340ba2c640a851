"""Catch-up on start: the daily job is due at once when the last closed session has no pull."""

import logging
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import select

from stockdash import runs
from stockdash.calendar import NEW_YORK, last_closed_session
from stockdash.clock.main import plan
from stockdash.clock.runner import ClockJobs, catch_up_needed
from stockdash.db import make_engine
from stockdash.runs import Job
from stockdash.schema import job_runs

# Tuesday 10:00: the last closed session is Monday 2026-11-23.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)


def record(engine, job: str, target: date, status: str) -> None:
    with runs.recorded(engine, Job(job), provider="demo", target_date=target) as result:
        result.status = status


def record_pull(engine, target: date, status: str) -> None:
    """A daily run: the pull with `status`, and movers and the screener after a pull that got through."""
    record(engine, "pull", target, status)
    if status != "failed":
        record(engine, "movers", target, "ok")
        record(engine, "stats", target, "ok")


class Recorder:
    def __init__(self) -> None:
        self.ran = threading.Event()

    def daily(self) -> None:
        self.ran.set()

    def keepalive(self) -> None: ...
    def housekeeping(self) -> None: ...
    def live_edge(self, name: str) -> None: ...


def test_catch_up_when_no_pull_at_all(engine, settings):
    assert catch_up_needed(engine, NOW)
    scheduler = plan(settings, engine, Recorder(), NOW)
    assert scheduler.get_job("daily").next_run_time == NOW


def test_catch_up_when_last_pull_is_older(engine, settings):
    record_pull(engine, date(2026, 11, 20), "ok")
    record_pull(engine, date(2026, 11, 23), "failed")
    assert catch_up_needed(engine, NOW)
    assert plan(settings, engine, Recorder(), NOW).get_job("daily").next_run_time == NOW


@pytest.mark.parametrize("status", ["ok", "partial"])
def test_no_catch_up_when_last_session_pulled(engine, settings, status):
    record_pull(engine, date(2026, 11, 23), status)
    assert not catch_up_needed(engine, NOW)
    # No first run given: the trigger places it at today's close + 30 min when the scheduler starts.
    job = plan(settings, engine, Recorder(), NOW).get_job("daily")
    assert not hasattr(job, "next_run_time")
    assert job.trigger.get_next_fire_time(None, NOW) == datetime(2026, 11, 24, 16, 30, tzinfo=NEW_YORK)


@pytest.mark.parametrize("status", ["cut_short", "failed"])
def test_catch_up_when_the_last_pull_did_not_reach_every_symbol(engine, status):
    record(engine, "pull", date(2026, 11, 23), status)
    record(engine, "movers", date(2026, 11, 23), "ok")
    assert catch_up_needed(engine, NOW)


def test_catch_up_when_movers_are_missing(engine, settings):
    record(engine, "pull", date(2026, 11, 23), "ok")
    record(engine, "stats", date(2026, 11, 23), "ok")
    assert catch_up_needed(engine, NOW)  # a shutdown between pull and movers
    record(engine, "movers", date(2026, 11, 23), "ok")
    assert not catch_up_needed(engine, NOW)


def test_catch_up_when_the_screener_snapshot_is_missing(engine, settings):
    record(engine, "pull", date(2026, 11, 23), "ok")
    record(engine, "movers", date(2026, 11, 23), "ok")
    assert catch_up_needed(engine, NOW)  # a shutdown between movers and the screener
    record(engine, "stats", date(2026, 11, 23), "failed")
    assert catch_up_needed(engine, NOW)
    record(engine, "stats", date(2026, 11, 23), "ok")
    assert not catch_up_needed(engine, NOW)


def test_catch_up_over_a_holiday_weekend(engine, settings):
    # Saturday after Thanksgiving: the last closed session is the half day, Friday 11-27.
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=NEW_YORK)
    record_pull(engine, date(2026, 11, 25), "ok")
    assert catch_up_needed(engine, saturday)
    record_pull(engine, date(2026, 11, 27), "ok")
    assert not catch_up_needed(engine, saturday)


def run_until(scheduler, event: threading.Event, timeout: float = 60) -> bool:
    """Start the (blocking) scheduler in a thread until `event` is set; True if it was."""
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        return event.wait(timeout)
    finally:
        scheduler.shutdown(wait=True)
        thread.join(10)


def test_catch_up_really_runs_the_daily_job(engine, settings):
    jobs = Recorder()
    now = datetime.now(NEW_YORK)
    scheduler = plan(settings, engine, jobs, now)
    assert run_until(scheduler, jobs.ran)


def test_clock_daily_job_pulls_then_catch_up_is_satisfied(engine, settings, caplog):
    """The real job through ClockJobs: a demo pull for the last closed session, then movers."""
    caplog.set_level(logging.INFO)
    now = datetime.now(NEW_YORK)
    assert catch_up_needed(engine, now)
    ClockJobs(settings, engine, threading.Event(), provider_name="demo").daily()
    assert not catch_up_needed(engine, now)
    with engine.connect() as conn:
        rows = conn.execute(select(job_runs.c.job, job_runs.c.status, job_runs.c.target_date)).all()
    assert [(job, status) for job, status, _ in rows] == [("pull", "ok"), ("movers", "ok"), ("stats", "ok")]
    assert rows[0].target_date == last_closed_session(now)
    assert "job=daily start" in caplog.text and "job=daily end pull=ok movers=ok" in caplog.text


def test_clock_job_survives_a_dead_database(settings, caplog):
    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    jobs = ClockJobs(settings, dead, threading.Event(), provider_name="demo")
    jobs.daily()  # must not raise: the clock keeps running
    jobs.housekeeping()
    assert "job=daily error=OperationalError" in caplog.text
    assert "job=housekeeping error=OperationalError" in caplog.text
    assert jobs.wait_idle(0)


def test_clock_jobs_do_not_start_once_stopping(engine, settings, caplog):
    caplog.set_level(logging.INFO)
    stop = threading.Event()
    stop.set()
    ClockJobs(settings, engine, stop, provider_name="demo").daily()
    assert "job=daily skipped: clock is stopping" in caplog.text
    assert not runs.recent(engine)
