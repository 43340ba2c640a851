"""The web's side of the queue: are there workers, hand a stale symbol (or one whose minute bars
1D/5D lack) to them, how is its fetch going.

One job per symbol and trading day (a deterministic id), so every web process and visitor
asking for the same symbol shares one fetch. The job's result stays in Redis for
FETCH_MEMORY_SECONDS: within that time the symbol is not sent to the provider again, whatever
came of it (the in-process path's once-per-10-minutes rule, shared by all web processes).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from datetime import datetime

from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job as RqJob
from rq.job import JobStatus

from stockdash import calendar
from stockdash.errors import error_text
from stockdash.workers.connection import redis_for
from stockdash.workers.enqueue import FETCH_QUEUE, PENDING, TASKS, Lifetime, enqueue_once, live_workers

log = logging.getLogger("stockdash.web")

FETCHING = "fetching fresh prices; the chart updates when they land"
FETCH_MEMORY_SECONDS = 600
# A fetch no worker picked up within two minutes is dropped, so a chart never waits on it forever.
FETCH_LIFETIME = Lifetime(
    job_timeout=120, result_ttl=FETCH_MEMORY_SECONDS, failure_ttl=FETCH_MEMORY_SECONDS, ttl=120
)
LIVE_CHECK_SECONDS = 15.0


def fetch_id(provider: str, symbol: str) -> str:
    """`fetch_yahoo_BRK-B_<hash>_<day>`: RQ ids allow letters, digits, `_` and `-` only."""
    readable = re.sub(r"[^A-Za-z0-9-]", "-", symbol)
    digest = hashlib.sha1(symbol.encode()).hexdigest()[:8]
    return f"fetch_{provider}_{readable}_{digest}_{calendar.last_closed_session()}"


def minutes_id(provider: str, symbol: str) -> str:
    """`minutes_yahoo_BRK-B_<hash>`: no date in it, so a symbol's minutes are fetched again once
    the last job's result expires (FETCH_MEMORY_SECONDS), not once a day."""
    readable = re.sub(r"[^A-Za-z0-9-]", "-", symbol)
    return f"minutes_{provider}_{readable}_{hashlib.sha1(symbol.encode()).hexdigest()[:8]}"


class WebQueue:
    """One per web process: hands stale symbols to workers while any are alive."""

    def __init__(self, url: str) -> None:
        self.redis = redis_for(url)
        self.queue = Queue(FETCH_QUEUE, connection=self.redis)
        self._lock = threading.Lock()
        self._checked_at = -LIVE_CHECK_SECONDS
        self._live = False

    def live(self) -> bool:
        """Whether a worker is alive, asked at most every LIVE_CHECK_SECONDS; Redis down means no."""
        with self._lock:
            if time.monotonic() - self._checked_at < LIVE_CHECK_SECONDS:
                return self._live
            try:
                live = live_workers(self.redis) > 0
            except RedisError as exc:
                log.warning("web queue: Redis unreachable (%s): fetching in-process", error_text(exc))
                live = False
            if live != self._live:
                log.info("web queue: %s", "workers fetch" if live else "no live worker: fetching in-process")
            self._live, self._checked_at = live, time.monotonic()
            return live

    def hand_over(self, symbols: list[str], *, provider: str, new: set[str]) -> dict[str, str]:
        """Find the fetch of each stale symbol under way, or queue one for those in `new` (the budget
        granted them); {symbol: reason or FETCHING}."""
        reasons: dict[str, str] = {}
        try:
            for symbol in symbols:
                if reason := self._one(symbol, provider, may_queue=symbol in new):
                    reasons[symbol] = reason
        except RedisError as exc:
            log.warning("web queue: Redis failed mid-fetch (%s)", error_text(exc))
            for symbol in symbols:
                reasons.setdefault(symbol, "the fetch queue did not answer")
        return reasons

    def _one(self, symbol: str, provider: str, *, may_queue: bool) -> str | None:
        job_id = fetch_id(provider, symbol)
        job = RqJob.fetch_many([job_id], connection=self.redis)[0]
        if job is None:
            return self._queue(symbol, provider, job_id) if may_queue else None
        status = job.get_status(refresh=False)
        if status in PENDING:
            return FETCHING
        if status == JobStatus.FINISHED:
            reason = job.return_value()
            return f"the provider has no prices for {symbol} ({reason})" if reason else None
        if status is not None:
            latest = job.latest_result()
            lines = (latest.exc_string or "").strip().splitlines() if latest else []
            return f"the price provider did not answer ({lines[-1] if lines else status})"
        return self._queue(symbol, provider, job_id) if may_queue else None

    def _queue(self, symbol: str, provider: str, job_id: str) -> str:
        queued = enqueue_once(
            self.queue,
            TASKS["fetch_symbol"],
            job_id=job_id,
            args=(symbol,),
            kwargs={"provider": provider},
            lifetime=FETCH_LIFETIME,
            description=f"fetch {symbol} for the web",
        )
        if queued:  # else another web process queued it a moment ago
            log.info("web queue: fetch %s handed to workers", symbol)
        return FETCHING

    def hand_over_minutes(self, symbol: str, *, provider: str, new: bool, now: datetime) -> str | None:
        """The minute-bar fetch of `symbol` under way (FETCHING), just ended (None when it stored
        bars, else why not), or queued now when the budget granted it (`new`)."""
        job_id = minutes_id(provider, symbol)
        try:
            job = RqJob.fetch_many([job_id], connection=self.redis)[0]
            status = job.get_status(refresh=False) if job is not None else None
            if status in PENDING:
                return FETCHING
            if status == JobStatus.FINISHED and job is not None:
                return job.return_value()
            if status is not None and job is not None:
                latest = job.latest_result()
                lines = (latest.exc_string or "").strip().splitlines() if latest else []
                return f"the price provider did not answer ({lines[-1] if lines else status})"
            if not new:
                return None
            queued = enqueue_once(
                self.queue,
                TASKS["fetch_minutes"],
                job_id=job_id,
                args=(symbol,),
                kwargs={"provider": provider, "now": now},
                lifetime=FETCH_LIFETIME,
                description=f"fetch {symbol}'s minute bars for the web",
            )
        except RedisError as exc:
            log.warning("web queue: Redis failed mid-fetch (%s)", error_text(exc))
            return "the fetch queue did not answer"
        if queued:
            log.info("web queue: minutes of %s handed to workers", symbol)
        return FETCHING
