"""Putting a pull on the queue: one job per chunk, then one job that closes the run and computes movers.

Job ids are derived from what the job does, so enqueuing the same work twice is a no-op: a
chunk job is `unique` (RQ refuses a second job with its id), and a whole pull whose last job
is still waiting or running is not queued again. The run log gets one `pull` run when the
pull is queued; each chunk job records itself under it, and the last job writes its totals.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Unpack

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Dependency, JobStatus
from rq.job import Job as RqJob
from sqlalchemy import Engine

from stockdash import ingest, runs
from stockdash.config import Settings
from stockdash.errors import error_text
from stockdash.jobs import PullArgs, pull_scope
from stockdash.providers.base import Provider
from stockdash.runs import Job
from stockdash.workers.connection import redis_for

log = logging.getLogger("stockdash.workers")

FETCH_QUEUE = "fetch"  # the web's on-demand fetches: a visitor is waiting, so workers take these first
PULL_QUEUE = "pull"
# The workers' functions, named as RQ stores them: those modules queue through this one, so naming
# them here keeps the import one way (a test checks each name resolves).
TASKS = {
    "run_chunk": "stockdash.workers.tasks.run_chunk",
    "finish_pull": "stockdash.workers.tasks.finish_pull",
    "start_stats": "stockdash.workers.statsjobs.start_stats",
    "run_stats_chunk": "stockdash.workers.statsjobs.run_stats_chunk",
    "finish_stats": "stockdash.workers.statsjobs.finish_stats",
    "fetch_symbol": "stockdash.workers.tasks.fetch_symbol",
    "fetch_minutes": "stockdash.workers.tasks.fetch_minutes",
    "deliver_job": "stockdash.alerts.queue.deliver_job",
    "check_daily_job": "stockdash.alerts.queue.check_daily_job",
}
ALERTS_QUEUE = "alerts"  # the owner's alert deliveries (stockdash.alerts.queue): seconds count
QUEUES = (ALERTS_QUEUE, FETCH_QUEUE, PULL_QUEUE)  # in the order a worker serves them

# A chunk that failed as a whole (Yahoo refusing us after the provider's own retries, the
# database away) runs again later; a worker killed mid-chunk counts as one such failure.
CHUNK_RETRY = Retry(max=4, interval=[30, 120, 300, 600])

# Every state of the pinned RQ, in one of two sets (a test checks): a job still on its way, or one
# that ended. A state in neither would read as a failure ("the price provider did not answer").
PENDING = {
    JobStatus.CREATED,
    JobStatus.QUEUED,
    JobStatus.DEFERRED,
    JobStatus.SCHEDULED,
    JobStatus.READY_TO_ENQUEUE,
    JobStatus.RATE_LIMITED,
    JobStatus.STARTED,
}
ENDED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


@dataclass(frozen=True)
class Lifetime:
    """How long RQ lets one kind of job run (`job_timeout`), keeps its result or failure, and
    leaves it waiting for a worker (`ttl`; None: until one takes it). Named as RQ names them."""

    job_timeout: int
    result_ttl: int
    failure_ttl: int
    ttl: int | None = None


# Chunk jobs and the last job alike. The last job reads every chunk job's result: keep them
# longer than a slow total-market pull.
PULL_LIFETIME = Lifetime(job_timeout=15 * 60, result_ttl=2 * 24 * 3600, failure_ttl=7 * 24 * 3600)


@dataclass
class Enqueued:
    """What `enqueue_pull` did: queued a new pull (`run_id`), or found the same one still under way."""

    batch: str
    chunks: int
    run_id: int | None = None
    already: bool = False

    def line(self) -> str:
        if self.already:
            return f"queue batch={self.batch} already queued: nothing added"
        return f"queue batch={self.batch} run={self.run_id} chunks={self.chunks} queued"


def pull_queue(redis: Redis) -> Queue:
    return Queue(PULL_QUEUE, connection=redis)


def live_workers(redis: Redis) -> int:
    """Workers that announced themselves within their TTL (a killed one drops out within a minute)."""
    from rq import Worker

    return Worker.count(connection=redis)


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def batch_id(provider: str, today: date, symbols: list[str], since: date | None) -> str:
    return f"pull_{provider}_{today}_{_digest(','.join(sorted(symbols)), since)}"


def chunk_id(provider: str, chunk: ingest.Chunk) -> str:
    return f"pull-chunk_{provider}_{chunk.today}_{_digest(','.join(chunk.symbols), chunk.start, chunk.first)}"


def split(chunks: list[ingest.Chunk], size: int) -> list[ingest.Chunk]:
    """Queue jobs of at most `size` symbols: small jobs spread evenly over workers and lose little
    when a worker dies."""
    return [
        replace(chunk, symbols=chunk.symbols[i : i + size])
        for chunk in chunks
        for i in range(0, len(chunk.symbols), size)
    ]


def enqueue_pull(
    redis: Redis,
    engine: Engine,
    provider: Provider,
    settings: Settings,
    *,
    movers: bool = True,
    retry: Retry = CHUNK_RETRY,
    **asked: Unpack[PullArgs],
) -> Enqueued:
    """Queue a pull of the universe (or `symbols`) as chunk jobs and a last job; idempotent."""
    job, symbols, since, today = pull_scope(settings, **asked)
    batch = batch_id(provider.name, today, symbols, since)
    finish_id = f"{batch}_finish"
    with redis.lock(f"stockdash:enqueue:{batch}", timeout=120, blocking_timeout=30):
        if _status(redis, finish_id) in PENDING:
            result = Enqueued(batch, 0, already=True)
            log.info(result.line())
            return result
        planned = ingest.plan(engine, provider, settings, symbols, today=today, since=since)
        chunks = split(planned.chunks, settings.queue_chunk_size)
        run_id = runs.open_run(
            engine,
            job,
            provider=provider.name,
            target_date=today,
            message=f"queued: {len(chunks)} chunk jobs, {len(planned.up_to_date)} symbols up to date",
        )
        finish = {
            "run_id": run_id,
            "job": str(job),
            "up_to_date": len(planned.up_to_date),
            "provider": provider.name,
            "target_date": today,
            "queued_at": time.time(),
            "movers": movers and job == Job.PULL,
        }
        try:
            ids = _enqueue_jobs(pull_queue(redis), chunks, finish, finish_id=finish_id, retry=retry)
        except RedisError as exc:
            runs.close_run(engine, _not_queued(run_id, job, provider.name, today, exc))
            raise
    result = Enqueued(batch, len(ids), run_id=run_id)
    log.info(
        "%s symbols=%d up_to_date=%d target=%s provider=%s",
        result.line(),
        len(symbols),
        len(planned.up_to_date),
        today,
        provider.name,
    )
    return result


def _enqueue_jobs(
    queue: Queue, chunks: list[ingest.Chunk], finish: dict, *, finish_id: str, retry: Retry
) -> list[str]:
    """The chunk jobs, then the last job: it waits for every chunk, failed ones included."""
    of = len(chunks)
    common = {"provider": finish["provider"], "run_id": finish["run_id"]}
    ids = [
        _enqueue_chunk(queue, chunk, **common, of=(n, of), retry=retry) for n, chunk in enumerate(chunks, 1)
    ]
    queue.enqueue(
        TASKS["finish_pull"],
        kwargs={**finish, "chunk_ids": ids},
        job_id=finish_id,
        depends_on=Dependency(jobs=ids, allow_failure=True) if ids else None,
        description=f"finish {finish['job']} for {finish['target_date']}: totals of {of} chunks, then movers",
        **asdict(PULL_LIFETIME),
    )
    if finish["movers"]:
        # Then the screener's snapshot, as chunk jobs.
        queue.enqueue(
            TASKS["start_stats"],
            kwargs={"as_of": finish["target_date"]},
            job_id=f"{finish_id}_stats",
            depends_on=finish_id,
            description=f"queue the screener's snapshot for {finish['target_date']}",
            **asdict(PULL_LIFETIME),
        )
    return ids


def _not_queued(run_id: int, job: Job, provider: str, today: date, exc: Exception) -> runs.RunResult:
    result = runs.RunResult(job, provider=provider, target_date=today, run_id=run_id)
    result.fail(f"could not queue the pull: {error_text(exc)}")
    return result


def _enqueue_chunk(
    queue: Queue, chunk: ingest.Chunk, *, provider: str, run_id: int, of: tuple[int, int], retry: Retry
) -> str:
    """One chunk job; the same chunk already queued (or recently done) is left as it is."""
    job_id = chunk_id(provider, chunk)
    queued = enqueue_once(
        queue,
        TASKS["run_chunk"],
        job_id=job_id,
        args=(chunk,),
        kwargs={"run_id": run_id, "provider": provider, "number": of[0], "of": of[1]},
        lifetime=PULL_LIFETIME,
        retry=retry,
        description=f"chunk {of[0]}/{of[1]}: {len(chunk.symbols)} symbols from {chunk.start}",
    )
    if not queued:
        log.info("queue chunk=%s already queued: left as it is", job_id)
    return job_id


def enqueue_once(
    queue: Queue,
    func: str,
    *,
    job_id: str,
    args: tuple,
    kwargs: dict,
    lifetime: Lifetime,
    description: str,
    retry: Retry | None = None,
) -> bool:
    """Queue `func` as `job_id` unless RQ holds a job with that id (`unique`); whether it did.

    Ids say what a job does, so the same work asked twice (two clocks, two web processes) runs once.
    """
    try:
        queue.enqueue(
            func,
            args=args,
            kwargs=kwargs,
            job_id=job_id,
            unique=True,
            retry=retry,
            description=description,
            **asdict(lifetime),
        )
    except DuplicateJobError:
        return False
    return True


def _status(redis: Redis, job_id: str) -> JobStatus | None:
    job = RqJob.fetch_many([job_id], connection=redis)[0]
    return job.get_status(refresh=False) if job is not None else None


def hand_over_daily(settings: Settings, engine: Engine, provider: Provider) -> Enqueued | None:
    """The clock's daily pull on the queue; None, with a log line why, when it must run in-process."""
    assert settings.redis_url
    try:
        redis = redis_for(settings.redis_url)
        if not live_workers(redis):
            log.warning("job=daily the queue has no live worker: running in-process")
            return None
        return enqueue_pull(redis, engine, provider, settings)
    except RedisError as exc:
        log.warning("job=daily Redis unreachable (%s): running in-process", error_text(exc))
        return None
