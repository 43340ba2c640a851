"""Deliveries as RQ jobs (with REDIS_URL): one job per delivery attempt, on the `alerts` queue.

The job id names the delivery and its attempt, so two clocks queueing the same due delivery
queue it once. The backoff lives in the delivery row (`next_at`), not in RQ: the clock's
dispatcher queues the next attempt when it is due, which also covers a worker killed mid-send
(its lease runs out, the delivery is due again, the next attempt gets a new id).
"""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq import Queue

from stockdash.alerts.channels import parse_channels
from stockdash.alerts.delivery import deliver
from stockdash.config import get_settings
from stockdash.db import engine_for
from stockdash.workers.enqueue import ALERTS_QUEUE, Lifetime, enqueue_once

# A send is bounded by Apprise's timeouts; a job nobody takes in 10 minutes is queued again anyway.
DELIVERY_LIFETIME = Lifetime(job_timeout=60, result_ttl=3600, failure_ttl=24 * 3600, ttl=600)


def job_id(delivery_id: int, attempts: int) -> str:
    return f"alert-delivery_{delivery_id}_{attempts}"


def enqueue_delivery(redis: Redis, delivery_id: int, attempts: int) -> bool:
    """Queue the next attempt of one delivery unless it is queued already; whether it did."""
    return enqueue_once(
        Queue(ALERTS_QUEUE, connection=redis),
        deliver_job,
        job_id=job_id(delivery_id, attempts),
        args=(delivery_id,),
        kwargs={},
        lifetime=DELIVERY_LIFETIME,
        description=f"alert delivery {delivery_id}, attempt {attempts + 1}",
    )


def deliver_job(delivery_id: int) -> str | None:
    """The worker's side: this worker's channels and database, one delivery."""
    settings = get_settings()
    return deliver(
        engine_for(settings),
        delivery_id,
        parse_channels(settings.alert_channels),
        give_up_after=timedelta(minutes=settings.alert_give_up_minutes),
    )
