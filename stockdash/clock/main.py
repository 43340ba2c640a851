"""Run the clock: take the one-clock lock (or stand by), catch up, schedule, stop cleanly on SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from stockdash import logs, runlog
from stockdash.calendar import NEW_YORK, last_closed_session
from stockdash.clock import keepalive
from stockdash.clock.lock import ClockLock, make_lock
from stockdash.clock.schedule import Jobs, build_scheduler, schedule_lines
from stockdash.config import Settings, get_settings
from stockdash.db import get_engine
from stockdash.live import clock as live_clock
from stockdash.providers import Provider, get_provider, resolve_provider_name

log = logging.getLogger("stockdash.clock")

STANDBY_POLL_SECONDS = 5  # how soon a standby clock notices the active one is gone
LOCK_CHECK_SECONDS = 30  # how soon an active clock notices it lost its lock (a dropped connection)
# From the signal to the exit; the platform's limit is ours too (Heroku kills after 30 s, we promise 10).
SHUTDOWN_SECONDS = 8.0


class ClockJobs:
    """The callables the scheduler runs: each logs its start and end and never raises into APScheduler.

    The job functions themselves live in `stockdash.jobs`; this only passes them the engine,
    the provider and the shared `stop` event, and counts running jobs so shutdown can wait for them.
    """

    def __init__(self, settings: Settings, engine: Engine, stop: threading.Event) -> None:
        self.settings = settings
        self.engine = engine
        self.stop = stop
        self._provider: Provider | None = None
        self._running = 0
        self._idle = threading.Condition()
        self.live = live_clock.make_ingest(settings, engine)

    def daily(self) -> None:
        self._run("daily", self._daily)

    def housekeeping(self) -> None:
        self._run("housekeeping", self._housekeeping)

    def keepalive(self) -> None:
        # ping() logs its own one line; a start/end pair around it would triple the noise.
        self._run("keepalive", self._keepalive, quiet=True)

    def live_open(self) -> None:
        self._run("live_open", lambda: live_clock.session_edge(self.live))

    def live_close(self) -> None:
        self._run("live_close", lambda: live_clock.session_edge(self.live))

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job runs (True) or `timeout` seconds pass (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout=max(timeout, 0))

    def _daily(self) -> str:
        from stockdash import jobs  # imported when first run: `--print-schedule` needs none of it

        if self._provider is None:
            self._provider = get_provider(self.settings)
        results = jobs.daily(self.engine, self._provider, self.settings, stop=self.stop)
        # A long catch-up can outlast the next close; APScheduler then skips that run
        # (max_instances=1) instead of queueing it, so pull the newer session now.
        target = results[0].target_date
        if not self.stop.is_set() and target and last_closed_session(datetime.now(NEW_YORK)) > target:
            log.info("job=daily a newer session closed during the run: pulling it now")
            results += jobs.daily(self.engine, self._provider, self.settings, stop=self.stop)
        return " ".join(f"{r.job}={r.status}" for r in results)

    def _housekeeping(self) -> str:
        from stockdash import jobs

        return f"prune={jobs.prune(self.engine, self.settings).status}"

    def _keepalive(self) -> str:
        keepalive.ping(self.settings.app_url or "", window=self.settings.downtime_window)
        return ""

    def _run(self, name: str, func: Callable[[], str], *, quiet: bool = False) -> None:
        with self._idle:  # checked and counted together, so shutdown never misses a starting job
            if self.stop.is_set():
                log.info("job=%s skipped: clock is stopping", name)
                return
            self._running += 1
        started = time.monotonic()
        if not quiet:
            log.info("job=%s start", name)
        try:
            outcome = func()
            if not quiet:
                log.info("job=%s end %s seconds=%.1f", name, outcome, time.monotonic() - started)
        except Exception as exc:  # a dead database or a bug: log it, keep the clock ticking
            log.error(
                "job=%s error=%s seconds=%.1f", name, runlog.error_text(exc), time.monotonic() - started
            )
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()


def catch_up_needed(engine: Engine, now: datetime) -> bool:
    """Whether the latest trading day that has closed at `now` still lacks its pull or its movers."""
    day = last_closed_session(now)
    return not runlog.has_pulled(engine, day) or not runlog.has_movers(engine, day)


class _Stopper:
    """Turns SIGTERM/SIGINT into the shared `stop` event and a scheduler shutdown.

    The signal handler only sets the event; a watcher thread shuts the scheduler down, so no
    scheduler lock is ever taken inside a handler that interrupted the main thread.
    """

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.signalled_at: float | None = None
        self.signal_name = ""
        self._scheduler: BlockingScheduler | None = None
        self._lock = threading.Lock()

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signalled_at is None:
            self.signalled_at = time.monotonic()
            self.signal_name = signal.Signals(signum).name
        self.stop.set()

    def attach(self, scheduler: BlockingScheduler) -> None:
        """Shut `scheduler` down once stop is set, whether that happens before or after it starts."""
        self._scheduler = scheduler
        scheduler.add_listener(lambda _event: self._shutdown_if_stopping(), EVENT_SCHEDULER_STARTED)
        threading.Thread(target=self._watch, name="clock-stopper", daemon=True).start()

    def _watch(self) -> None:
        self.stop.wait()
        log.info("clock stopping: %s", self.signal_name or "stop requested")
        self._shutdown_if_stopping()

    def _shutdown_if_stopping(self) -> None:
        with self._lock:
            scheduler = self._scheduler
            if self.stop.is_set() and scheduler is not None and scheduler.running:
                # wait=False: the running job sees `stop` and ends after its chunk; run() waits for it.
                with contextlib.suppress(SchedulerNotRunningError):
                    scheduler.shutdown(wait=False)

    def seconds_left(self) -> float:
        started = self.signalled_at if self.signalled_at is not None else time.monotonic()
        return SHUTDOWN_SECONDS - (time.monotonic() - started)


def _take_lock(lock: ClockLock, stop: threading.Event) -> bool:
    """Take the lock, standing by (polling) while another clock holds it; False if stopped first."""
    standing_by = False
    while not stop.is_set():
        try:
            if lock.acquire():
                return True
            if not standing_by:
                log.info(
                    "clock standby: another clock holds the lock; retrying every %ss", STANDBY_POLL_SECONDS
                )
                standing_by = True
        except Exception as exc:  # database down: keep trying, the platform would only restart us
            log.warning("clock lock check failed: %s: %s", type(exc).__name__, str(exc).strip()[:200])
        stop.wait(STANDBY_POLL_SECONDS)
    return False


def run(settings: Settings) -> int:
    """The `clock:` process. Returns the exit status."""
    stopper = _Stopper()
    stopper.install()
    provider_name = resolve_provider_name(settings)
    engine = get_engine(settings.database_url_for(provider_name))
    lock = make_lock(engine)
    log.info("clock starting: provider=%s database=%s", provider_name, engine.url.render_as_string())
    if not _take_lock(lock, stopper.stop):
        log.info("clock stopped while on standby")
        return 0
    lost = threading.Event()
    threading.Thread(
        target=_watch_lock, args=(lock, stopper.stop, lost), name="clock-lock", daemon=True
    ).start()
    try:
        log.info("clock active: holds the %s lock", engine.dialect.name)
        _serve(settings, engine, stopper)
    finally:
        lock.release()
        log.info("clock lock released")
    return 1 if lost.is_set() else 0


def _watch_lock(lock: ClockLock, stop: threading.Event, lost: threading.Event) -> None:
    """Stop this clock if it loses its lock: a standby may already be active, and two must never run."""
    while not stop.wait(LOCK_CHECK_SECONDS):
        if not lock.held():
            log.error(
                "clock lost its lock (database connection dropped?): stopping; a restart takes it again"
            )
            lost.set()
            stop.set()


def plan(settings: Settings, engine: Engine, jobs: Jobs, now: datetime) -> BlockingScheduler:
    """The scheduler this clock will run: every job, with the daily one due `now` if a pull is missing."""
    try:
        if abandoned := runlog.mark_abandoned(engine):
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


def _serve(settings: Settings, engine: Engine, stopper: _Stopper) -> None:
    """Schedule the jobs and block until a signal; then wait for the running job within the deadline."""
    jobs = ClockJobs(settings, engine, stopper.stop)
    started = datetime.now(NEW_YORK)
    scheduler = plan(settings, engine, jobs, started)
    stopper.attach(scheduler)
    jobs.live.start()  # crypto and FX stream whenever the clock runs; stocks in extended hours
    scheduler.start()  # blocks until the stopper shuts it down
    jobs.live.stop()

    if not jobs.wait_idle(stopper.seconds_left()):
        # Better a rolled-back chunk than a SIGKILL: the database undoes the open transaction.
        log.error("clock exiting with a job still running after %.0fs", SHUTDOWN_SECONDS)
        _mark_interrupted(engine, since=started)
        logging.shutdown()
        os._exit(1)
    log.info("clock stopped")


def _mark_interrupted(engine: Engine, *, since: datetime) -> None:
    """Close this clock's open run rows, giving the database a second at most: exiting matters more."""

    def mark() -> None:
        with contextlib.suppress(Exception):
            runlog.mark_interrupted(engine, since=since)

    worker = threading.Thread(target=mark, name="clock-mark-interrupted", daemon=True)
    worker.start()
    worker.join(1.0)


def print_schedule(settings: Settings, *, start: datetime, days: int) -> list[str]:
    """The lines of `--print-schedule`: the clock's own scheduler, never started, no database."""
    scheduler = build_scheduler(settings, _NothingRuns())
    return schedule_lines(scheduler, start, start + timedelta(days=days))


class _NothingRuns:
    """Job callables for a scheduler that is only read, never started."""

    def daily(self) -> None:
        raise RuntimeError("print-schedule runs nothing")

    keepalive = housekeeping = live_open = live_close = daily


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
