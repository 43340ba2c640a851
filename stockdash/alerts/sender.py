"""The clock's dispatcher: every due delivery is sent (in this process) or queued (RQ workers).

Woken at once by a firing and every second otherwise, so deliveries left pending by a process
that died (and retries whose backoff ran out) go out without anyone asking. Each delivery is
its own task: a channel that times out holds one thread, never the others' messages.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from redis import Redis
from sqlalchemy import Engine

from stockdash.alerts import delivery
from stockdash.alerts.channels import Channel
from stockdash.errors import error_text

log = logging.getLogger("stockdash.alerts")

SCAN_SECONDS = 1.0
SEND_THREADS = 8
WORKER_CHECK_SECONDS = 10.0


class Dispatcher:
    """Sends due deliveries; with `redis_url`, queues them for workers while any is alive."""

    def __init__(
        self,
        engine: Engine,
        channels: list[Channel],
        *,
        give_up_after: timedelta,
        redis_url: str | None = None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.give_up_after = give_up_after
        self.redis_url = redis_url
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=SEND_THREADS, thread_name_prefix="alert-send")
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()
        self._workers_seen = 0.0
        self._workers_alive = False
        self._redis: Redis | None = None
        self._queued: dict[tuple[int, int], float] = {}  # (delivery, attempts) -> when queued

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="alert-dispatch", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A firing was recorded: look now instead of within SCAN_SECONDS."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(SCAN_SECONDS)
            self._wake.clear()
            try:
                self.dispatch_due()
            except Exception as exc:  # database away: try again next second
                log.warning("alert dispatch failed: %s", error_text(exc))

    def dispatch_due(self, now: datetime | None = None) -> int:
        """Hand every due delivery to a sender thread or the queue; how many were handed."""
        with self.engine.connect() as conn:
            found = delivery.due(conn, now=now or datetime.now(UTC))
        if not found:
            return 0
        if self.redis_url and self._queue_alive():
            return self._enqueue(found)
        handed = 0
        for delivery_id, _attempts in found:
            with self._lock:
                if delivery_id in self._in_flight:
                    continue
                self._in_flight.add(delivery_id)
            self._pool.submit(self._send, delivery_id)
            handed += 1
        return handed

    def _send(self, delivery_id: int) -> None:
        try:
            delivery.deliver(self.engine, delivery_id, self.channels, give_up_after=self.give_up_after)
        except Exception as exc:
            log.warning("alert delivery=%d failed to run: %s", delivery_id, error_text(exc))
        finally:
            with self._lock:
                self._in_flight.discard(delivery_id)
            self._wake.set()  # a retry may be due soon; a backlog beyond one scan's limit goes on

    def _queue_alive(self) -> bool:
        """Whether an RQ worker is alive (asked every WORKER_CHECK_SECONDS); else send here."""
        if time.monotonic() - self._workers_seen < WORKER_CHECK_SECONDS:
            return self._workers_alive
        from redis.exceptions import RedisError

        from stockdash.workers.connection import redis_for
        from stockdash.workers.enqueue import live_workers

        assert self.redis_url
        try:
            if self._redis is None:
                self._redis = redis_for(self.redis_url)
            alive = live_workers(self._redis) > 0
        except RedisError as exc:
            log.warning("alert dispatch: Redis unreachable (%s): sending from the clock", error_text(exc))
            alive = False
        if alive != self._workers_alive:
            log.info(
                "alert dispatch: %s",
                "queued for workers" if alive else "no live worker: sending from the clock",
            )
        self._workers_seen, self._workers_alive = time.monotonic(), alive
        return alive

    def _enqueue(self, found: list[tuple[int, int]]) -> int:
        """Queue the attempts not queued lately (a queued one stays due until a worker claims it)."""
        from redis.exceptions import RedisError

        from stockdash.alerts.queue import enqueue_deliveries
        from stockdash.workers.connection import redis_for

        assert self.redis_url
        now = time.monotonic()
        self._queued = {k: t for k, t in self._queued.items() if now - t < delivery.LEASE_SECONDS}
        fresh = [pair for pair in found if pair not in self._queued]
        if not fresh:
            return 0
        if self._redis is None:
            self._redis = redis_for(self.redis_url)
        try:
            enqueue_deliveries(self._redis, fresh)
        except RedisError as exc:
            self._workers_seen = 0.0  # ask again next time; meanwhile the leases keep nothing stuck
            log.warning("alert dispatch: could not queue (%s)", error_text(exc))
            return 0
        self._queued.update(dict.fromkeys(fresh, now))
        return len(fresh)
