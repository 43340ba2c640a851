"""Deliveries as RQ jobs (with REDIS_URL), on the `alerts` queue: one job per batch of due
delivery attempts (a burst of firings is a few jobs, not a fork per message), each delivery
sent on its own thread in the job, so a slow channel never holds the others.

The job id names its deliveries and their attempts, so two clocks queueing the same batch queue
it once; a delivery in two batches is still sent once (the claim is a lease). The backoff lives
in the delivery row (`next_at`), not in RQ: the clock's dispatcher queues the next attempt when
it is due, which also covers a worker killed mid-send (its lease runs out, the delivery is due
again, and its next attempt is another job).
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from redis import Redis
from rq import Queue

from stockdash.alerts.channels import parse_channels, warm
from stockdash.alerts.daily import check_daily
from stockdash.alerts.delivery import deliver
from stockdash.config import get_settings
from stockdash.deployment import resolve
from stockdash.errors import error_text
from stockdash.workers.enqueue import ALERTS_QUEUE, TASKS, Lifetime, enqueue_once

# A send is bounded by Apprise's timeouts; a job nobody takes in 10 minutes is queued again anyway.
DELIVERY_LIFETIME = Lifetime(job_timeout=60, result_ttl=3600, failure_ttl=24 * 3600, ttl=600)


log = logging.getLogger("stockdash.alerts")

BATCH = 50  # deliveries per job
THREADS = 8


def job_id(attempts: list[tuple[int, int]]) -> str:
    """`alert-deliveries_<first id>_<digest>`: the same deliveries at the same attempts, the same id."""
    digest = hashlib.sha1(",".join(f"{i}:{a}" for i, a in sorted(attempts)).encode()).hexdigest()[:16]
    return f"alert-deliveries_{min(i for i, _ in attempts)}_{digest}"


def enqueue_deliveries(redis: Redis, due: list[tuple[int, int]]) -> int:
    """Queue the next attempts of `due` ((id, attempts) pairs) in jobs of BATCH; how many jobs."""
    queued = 0
    queue = Queue(ALERTS_QUEUE, connection=redis)
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        queued += enqueue_once(
            queue,
            TASKS["deliver_job"],
            job_id=job_id(batch),
            args=([i for i, _ in batch],),
            kwargs={},
            lifetime=DELIVERY_LIFETIME,
            description=f"alert deliveries {', '.join(str(i) for i, _ in batch[:5])}"
            + (f" and {len(batch) - 5} more" if len(batch) > 5 else ""),
        )
    return queued


def check_daily_job(*, target_date: date) -> int:
    """After a queued pull's movers: the owner's daily rules on what was pulled (-1 if the check
    failed: logged, not retried); the clock's dispatcher sends what fires."""
    settings = get_settings()
    try:
        fired = check_daily(
            resolve(settings).engine(),
            parse_channels(settings.alert_channels),
            app_url=settings.app_url,
            as_of=target_date,
        )
    except Exception as exc:
        log.error("alerts daily check failed: %s", error_text(exc))
        return -1
    return len(fired)


def deliver_job(delivery_ids: list[int]) -> dict[int, str | None]:
    """The worker's side: this worker's channels and database; each delivery on its own thread."""
    settings = get_settings()
    engine = resolve(settings).engine()
    channels = parse_channels(settings.alert_channels)
    give_up = timedelta(minutes=settings.alert_give_up_minutes)
    with ThreadPoolExecutor(max_workers=min(THREADS, len(delivery_ids)) or 1) as pool:
        outcomes = pool.map(lambda i: deliver(engine, i, channels, give_up_after=give_up), delivery_ids)
        return dict(zip(delivery_ids, outcomes, strict=True))


warm()  # imported by the RQ worker before it forks (rq_worker preloads every task's module)
