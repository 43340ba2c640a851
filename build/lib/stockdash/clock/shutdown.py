"""Stopping the clock: SIGTERM or Ctrl-C sets one `stop` event; the running job ends within seconds."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from datetime import datetime
from types import FrameType

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from stockdash import runs

log = logging.getLogger("stockdash.clock")

# From the signal to the exit; the platform's limit is ours too (Heroku kills after 30 s, we promise 10).
SHUTDOWN_SECONDS = 8.0


class Stopper:
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


def mark_interrupted(engine: Engine, *, since: datetime) -> None:
    """Close this clock's open run rows, giving the database a second at most: exiting matters more."""

    def mark() -> None:
        with contextlib.suppress(Exception):
            runs.mark_interrupted(engine, since=since)

    worker = threading.Thread(target=mark, name="clock-mark-interrupted", daemon=True)
    worker.start()
    worker.join(1.0)
