"""`python worker.py work`: an RQ worker for the fetch and pull queues, shaped for Heroku's dynos.

Heroku stops a dyno with SIGTERM to every process in it, then SIGKILL 30 s later. RQ's
HerokuWorker keeps the forked job process ("horse") alive through the SIGTERM and warns it with
SIGRTMIN; after `shutdown_grace` seconds the horse gives up. Here it exits at once (a chunk
writes in one transaction, so the database rolls back whatever it had begun) and the worker
hands the job back to the queue through the job's Retry; no thread is left waiting on Yahoo.

A worker killed outright leaves its job in RQ's StartedJobRegistry; once the job's heartbeat
expires, any live worker's maintenance puts it back in the queue (again through its Retry).
The timings below make that happen within about a minute instead of RQ's ten.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.worker import HerokuWorker

from stockdash.config import Settings
from stockdash.workers.connection import redis_for
from stockdash.workers.enqueue import QUEUES, TASKS

log = logging.getLogger("stockdash.workers")

HANDED_BACK = 75  # the horse's exit status when the shutdown grace ran out (EX_TEMPFAIL)
WORKER_TTL = 60  # a silent worker drops out of the live list after this long


@dataclass(frozen=True)
class Timing:
    """Seconds: how often a running job proves it is alive, when a silent one counts as dead, how
    often a worker looks for dead ones, and how long a job may finish after SIGTERM (< 30)."""

    heartbeat: int = 10
    abandoned_after: int = 30
    maintenance: int = 30
    shutdown_grace: int = 20


class StockdashWorker(HerokuWorker):
    def __init__(
        self, queues: Sequence[Queue], *, connection: Redis, name: str, timing: Timing = Timing()
    ) -> None:
        super().__init__(
            queues,
            connection=connection,
            name=name,
            job_monitoring_interval=timing.heartbeat,
            maintenance_interval=timing.maintenance,
            worker_ttl=WORKER_TTL,
        )
        self.timing = timing
        self.imminent_shutdown_delay = timing.shutdown_grace

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker wakes for its maintenance: that is when it finds jobs of dead workers.
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """A job whose heartbeat is this old was abandoned (RQ adds a fixed minute; we want less)."""
        return max(self.timing.abandoned_after, self.timing.heartbeat + 1)

    def request_force_stop_sigrtmin(self, signum: int, frame: FrameType | None) -> None:
        """In the horse, when the shutdown grace is over: leave now, the worker hands the job back."""
        grace = self.imminent_shutdown_delay
        self.log.warning("worker stopping: job unfinished after %ds: handing it back", grace)
        logging.shutdown()
        os._exit(HANDED_BACK)


def _preload() -> None:
    """Import what jobs use once in the worker, so every forked job starts warm."""
    # yfinance 1.7.0 calls pandas' deprecated inplace=True on every answer: three lines per symbol.
    warnings.filterwarnings("ignore", message="The inplace keyword", module=r"yfinance\.")
    import stockdash.jobs  # noqa: F401
    import stockdash.providers.demo  # noqa: F401
    import stockdash.providers.yahoo  # noqa: F401

    for path in TASKS.values():  # the tasks' modules (the alerts' loads Apprise's plugins once)
        importlib.import_module(path.rpartition(".")[0])


def work(settings: Settings, *, burst: bool = False, timing: Timing = Timing()) -> int:
    """Serve the queues until SIGTERM (or, with `burst`, until they are empty)."""
    if not settings.redis_url:
        log.error("worker: REDIS_URL is unset; without it the clock and web do the work themselves")
        return 1
    _preload()
    redis = redis_for(settings.redis_url, command_timeout=None)
    name = f"{os.environ.get('DYNO') or socket.gethostname()}.{os.getpid()}"
    worker = StockdashWorker(
        [Queue(q, connection=redis) for q in QUEUES], connection=redis, name=name, timing=timing
    )
    log.info("worker %s starting: queues=%s timing=%s", name, ",".join(QUEUES), timing)
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    return 0
