"""What `worker.py status` shows of the queue, and `worker.py requeue-failed`."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis import Redis
from rq import Queue, Worker
from rq.job import Job as RqJob

from stockdash.workers.enqueue import QUEUES


@dataclass
class FailedJob:
    id: str
    queue: str
    description: str
    ended_at: str
    reason: str


@dataclass
class QueueState:
    depth: dict[str, int] = field(default_factory=dict)  # waiting to run, per queue
    scheduled: int = 0  # waiting for a retry's backoff
    deferred: int = 0  # waiting for other jobs (a pull's last job)
    running: int = 0
    workers: list[str] = field(default_factory=list)  # "name state job"
    failed: list[FailedJob] = field(default_factory=list)


def state(redis: Redis, *, failed_limit: int = 20) -> QueueState:
    """Queue depths, live workers and failed jobs (newest reasons, first lines only)."""
    info = QueueState()
    for name in QUEUES:
        queue = Queue(name, connection=redis)
        info.depth[name] = queue.count
        info.scheduled += queue.scheduled_job_registry.count
        info.deferred += queue.deferred_job_registry.count
        info.running += queue.started_job_registry.count
        ids = queue.failed_job_registry.get_job_ids()
        for job in RqJob.fetch_many(ids[:failed_limit], connection=redis):
            if job is not None:
                info.failed.append(_failed(job, name))
    for worker in Worker.all(connection=redis):
        current = worker.get_current_job_id() or "-"
        info.workers.append(f"{worker.name} {worker.get_state()} {current}")
    return info


def _failed(job: RqJob, queue: str) -> FailedJob:
    latest = job.latest_result()
    lines = (latest.exc_string or "").strip().splitlines() if latest else []
    return FailedJob(
        id=job.id,
        queue=queue,
        description=job.description or job.func_name or job.id,
        ended_at=f"{job.ended_at:%Y-%m-%d %H:%M}" if job.ended_at else "-",
        reason=lines[-1] if lines else "-",
    )


def requeue_failed(redis: Redis) -> int:
    """Put every failed job back in its queue for one more attempt; returns how many."""
    count = 0
    for name in QUEUES:
        registry = Queue(name, connection=redis).failed_job_registry
        for job_id in registry.get_job_ids():
            registry.requeue(job_id)
            count += 1
    return count
