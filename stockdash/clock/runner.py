"""The callables the clock's scheduler runs: each logs its start and end and never raises into APScheduler.

The job functions themselves live in `stockdash.jobs`; this only passes them the engine, the
provider and the shared `stop` event, and counts running jobs so shutdown can wait for them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from stockdash import runs
from stockdash.alerts.clock_service import AlertService
from stockdash.calendar import NEW_YORK, last_closed_session
from stockdash.clock import keepalive
from stockdash.config import Settings
from stockdash.errors import error_text
from stockdash.live import scheduled as live_scheduled
from stockdash.providers import Provider, make_provider
from stockdash.runs import Job

log = logging.getLogger("stockdash.clock")


class ClockJobs:
    """What the clock runs, bound to this clock's engine, provider and stop event."""

    def __init__(
        self, settings: Settings, engine: Engine, stop: threading.Event, *, provider_name: str
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.stop = stop
        self.provider_name = provider_name  # decided at the clock's start (stockdash.deployment)
        self._provider: Provider | None = None
        self._running = 0
        self._idle = threading.Condition()
        self.live = live_scheduled.make_ingest(settings, engine, provider_name=provider_name)
        self.alerts = AlertService(settings, engine)
        self.live.writer.listeners.append(self.alerts.offer)  # every live quote is checked

    def daily(self) -> None:
        self._run("daily", self._daily)

    def housekeeping(self) -> None:
        self._run("housekeeping", self._housekeeping)

    def keepalive(self) -> None:
        # ping() logs its own one line; a start/end pair around it would triple the noise.
        self._run("keepalive", self._keepalive, quiet=True)

    def live_edge(self, name: str) -> None:
        """The pre-market open or the post-market close (`name`, as logged): re-read the live set."""
        self._run(name, lambda: live_scheduled.session_edge(self.live))

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job runs (True) or `timeout` seconds pass (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout=max(timeout, 0))

    def _daily(self) -> str:
        from stockdash import jobs  # imported when first run: `--print-schedule` needs none of it

        if self._provider is None:
            self._provider = make_provider(self.settings, self.provider_name)
        if self.settings.redis_url:  # workers pull when there are any; else (logged why) this process does
            from stockdash.workers.enqueue import hand_over_daily

            if queued := hand_over_daily(self.settings, self.engine, self._provider):
                return queued.line()
        results = jobs.daily(self.engine, self._provider, self.settings, stop=self.stop)
        # A long catch-up can outlast the next close; APScheduler then skips that run
        # (max_instances=1) instead of queueing it, so pull the newer session now.
        target = results[0].target_date
        if not self.stop.is_set() and target and last_closed_session(datetime.now(NEW_YORK)) > target:
            log.info("job=daily a newer session closed during the run: pulling it now")
            results += jobs.daily(self.engine, self._provider, self.settings, stop=self.stop)
        # The daily rules, on the figures of the newest session pulled (its movers ran: bars are in).
        done = [r for r in results if r.job == Job.MOVERS]
        alerts = self.alerts.daily(done[-1].target_date) if done else "alerts=not checked"
        return " ".join([*(f"{r.job}={r.status}" for r in results), alerts])

    def _housekeeping(self) -> str:
        from stockdash import jobs

        return f"housekeeping={jobs.housekeeping(self.engine, self.settings).status}"

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
            log.error("job=%s error=%s seconds=%.1f", name, error_text(exc), time.monotonic() - started)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()


def catch_up_needed(engine: Engine, now: datetime) -> bool:
    """Whether the latest trading day that has closed at `now` still lacks its pull, its movers or
    its screener snapshot."""
    day = last_closed_session(now)
    done = (runs.has_pulled, runs.has_movers, runs.has_stats)
    return not all(check(engine, day) for check in done)
