"""Run the clock: take the one-clock lock (or stand by), catch up, schedule, stop cleanly on SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from stockdash import logs, runs
from stockdash.calendar import NEW_YORK, last_closed_session
from stockdash.clock import keepalive
from stockdash.clock.lock import make_lock, take_lock, watch_lock
from stockdash.clock.runner import ClockJobs, catch_up_needed
from stockdash.clock.schedule import Jobs, build_scheduler, schedule_lines
from stockdash.clock.shutdown import SHUTDOWN_SECONDS, Stopper, mark_interrupted
from stockdash.config import Settings, get_settings
from stockdash.deployment import Deployment, resolve

log = logging.getLogger("stockdash.clock")


def run(settings: Settings) -> int:
    """The `clock:` process. Returns the exit status."""
    stopper = Stopper()
    stopper.install()
    deployment = resolve(settings)
    engine = deployment.engine()
    lock = make_lock(engine)
    log.info(
        "clock starting: provider=%s database=%s", deployment.provider_name, engine.url.render_as_string()
    )
    if not take_lock(lock, stopper.stop):
        log.info("clock stopped while on standby")
        return 0
    lost = threading.Event()
    threading.Thread(
        target=watch_lock, args=(lock, stopper.stop, lost), name="clock-lock", daemon=True
    ).start()
    try:
        log.info("clock active: holds the %s lock", engine.dialect.name)
        _serve(deployment, stopper)
    finally:
        lock.release()
        log.info("clock lock released")
    return 1 if lost.is_set() else 0


def plan(settings: Settings, engine: Engine, jobs: Jobs, now: datetime) -> BlockingScheduler:
    """The scheduler this clock will run: every job, with the daily one due `now` if a pull is missing."""
    try:
        if abandoned := runs.mark_abandoned(engine):
            log.warning("clock marked %d abandoned job run(s) as failed", abandoned)
        catch_up = catch_up_needed(engine, now)
        log.info(
            "clock catch-up: last closed session %s %s",
            last_closed_session(now),
            "has no pull: daily runs now" if catch_up else "is pulled: nothing to catch up",
        )
    except Exception as exc:
        catch_up = True  # the job logs the real failure, and runs again on its own schedule
        log.warning("clock catch-up check failed (%s); daily runs now", type(exc).__name__)

    scheduler = build_scheduler(settings, jobs, catch_up_at=now if catch_up else None)
    for job in scheduler.get_jobs():
        # A job of a scheduler not yet started has next_run_time only when it was given one.
        first = getattr(job, "next_run_time", None) or job.trigger.get_next_fire_time(None, now)
        log.info(
            "clock job=%s trigger=%s next=%s", job.name, job.trigger, first.isoformat() if first else "-"
        )
    if settings.app_url:
        log.info(
            "clock keepalive: %s", keepalive.dyno_hours_line(settings.downtime, settings.downtime_window)
        )
    else:
        log.info("clock keepalive off: APP_URL is unset")
    return scheduler


def _serve(deployment: Deployment, stopper: Stopper) -> None:
    """Schedule the jobs and block until a signal; then wait for the running job within the deadline."""
    settings, engine = deployment.settings, deployment.engine()
    jobs = ClockJobs(settings, engine, stopper.stop, provider_name=deployment.provider_name)
    started = datetime.now(NEW_YORK)
    scheduler = plan(settings, engine, jobs, started)
    stopper.attach(scheduler)
    jobs.alerts.start()  # checks live quotes, sends what fires and what a dead process left pending
    jobs.live.start()  # crypto and FX stream whenever the clock runs; stocks in extended hours
    scheduler.start()  # blocks until the stopper shuts it down
    jobs.live.stop()
    jobs.alerts.stop()

    if not jobs.wait_idle(stopper.seconds_left()):
        # Better a rolled-back chunk than a SIGKILL: the database undoes the open transaction.
        log.error("clock exiting with a job still running after %.0fs", SHUTDOWN_SECONDS)
        mark_interrupted(engine, since=started)
        logging.shutdown()
        os._exit(1)
    log.info("clock stopped")


def print_schedule(settings: Settings, *, start: datetime, days: int) -> list[str]:
    """The lines of `--print-schedule`: the clock's own scheduler, never started, no database."""
    scheduler = build_scheduler(settings, _NothingRuns())
    return schedule_lines(scheduler, start, start + timedelta(days=days))


class _NothingRuns:
    """Job callables for a scheduler that is only read, never started."""

    def daily(self) -> None:
        raise RuntimeError("print-schedule runs nothing")

    keepalive = housekeeping = daily

    def live_edge(self, name: str) -> None:
        raise RuntimeError("print-schedule runs nothing")


def _parse_start(text: str | None) -> datetime:
    if text is None:
        return datetime.now(NEW_YORK)
    moment = datetime.fromisoformat(text)  # a date means its midnight in New York
    return moment.replace(tzinfo=NEW_YORK) if moment.tzinfo is None else moment


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clock.py", description="stockdash clock process")
    parser.add_argument(
        "--print-schedule", action="store_true", help="print coming fire times, start nothing"
    )
    parser.add_argument("--days", type=_positive, default=7, help="days ahead to print (default 7)")
    parser.add_argument("--from", dest="start", metavar="DATE", help="print from this date (default now)")
    args = parser.parse_args(argv)
    try:
        start = _parse_start(args.start)
    except ValueError:
        parser.error(f"--from: not an ISO date: {args.start!r}")

    settings = get_settings()
    logs.setup(settings.log_level)
    # "Adding job tentatively", "Scheduler started": our own lines already say it, once.
    logging.getLogger("apscheduler.scheduler").setLevel(max(logging.WARNING, logging.getLogger().level))

    if args.print_schedule:
        try:
            for line in print_schedule(settings, start=start, days=args.days):
                print(line)
            sys.stdout.flush()
        except BrokenPipeError:  # `| head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return run(settings)
