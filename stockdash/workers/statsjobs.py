"""The screener's snapshot on the queue: after a universe pull's last job, chunk jobs of symbols and a
last job that closes the snapshot's run.

`enqueue_pull` queues `start_stats` (by its path) to run after the pull's last job; it opens the
snapshot's run and queues a job per STATS_CHUNK symbols (each writes its own symbols' rows in one
transaction; a failed one is retried) and a last job that writes the totals, failed chunks included.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict
from datetime import date

from redis import Redis
from rq import get_current_job
from rq.job import Dependency
from rq.job import Job as RqJob
from sqlalchemy import Engine

from stockdash import jobs, runs, stats
from stockdash.config import get_settings
from stockdash.deployment import resolve
from stockdash.runs import Job, RunResult, Status
from stockdash.workers.enqueue import CHUNK_RETRY, PULL_LIFETIME, TASKS, enqueue_once, pull_queue
from stockdash.workers.tasks import ChunkFailed, chunk_outcome

log = logging.getLogger("stockdash.workers")

STATS_CHUNK = 500  # symbols per stats job: each reads its symbols' last year of bars


def start_stats(*, as_of: date) -> str:
    """Queue the snapshot of as_of unless the pull before it failed as a whole."""
    current = get_current_job()
    assert current is not None  # runs as an RQ job
    pulled = [job.return_value() or {} for job in current.fetch_dependencies()]
    if any(p.get("pull") == str(Status.FAILED) for p in pulled):
        return "skipped: the pull failed"
    engine = resolve(get_settings()).engine()
    with engine.connect() as conn:
        symbols = stats.tracked(conn)
    return f"queued run {enqueue_stats(current.connection, engine, as_of, symbols)}"


def enqueue_stats(
    redis: Redis, engine: Engine, as_of: date, symbols: list[str], *, size: int = STATS_CHUNK
) -> int:
    """Queue the snapshot of as_of as jobs of `size` symbols and a last job that closes the run
    (after every chunk, failed ones included); returns the run id."""
    run_id = runs.open_run(
        engine, Job.STATS, provider="", target_date=as_of, message=f"queued: {len(symbols)} symbols"
    )
    queue = pull_queue(redis)
    chunks = [symbols[i : i + size] for i in range(0, len(symbols), size)]
    ids = []
    for n, chunk in enumerate(chunks, 1):
        digest = hashlib.sha1(",".join(chunk).encode()).hexdigest()[:16]
        job_id = f"stats_{as_of}_{run_id}_{digest}"
        enqueue_once(
            queue,
            TASKS["run_stats_chunk"],
            job_id=job_id,
            args=(as_of, chunk),
            kwargs={"run_id": run_id},
            lifetime=PULL_LIFETIME,
            retry=CHUNK_RETRY,
            description=f"stats {n}/{len(chunks)} for {as_of}: {len(chunk)} symbols",
        )
        ids.append(job_id)
    queue.enqueue(
        TASKS["finish_stats"],
        kwargs={"run_id": run_id, "as_of": as_of, "chunk_ids": ids, "queued_at": time.time()},
        job_id=f"stats_{as_of}_{run_id}_finish",
        depends_on=Dependency(jobs=ids, allow_failure=True) if ids else None,
        description=f"finish stats for {as_of}: totals of {len(ids)} chunks",
        **asdict(PULL_LIFETIME),
    )
    log.info("queue stats for %s run=%s chunks=%d symbols=%d", as_of, run_id, len(ids), len(symbols))
    return run_id


def run_stats_chunk(as_of: date, symbols: list[str], *, run_id: int) -> dict:
    """The screener's figures for one chunk of symbols, recorded under the snapshot's run."""
    engine = resolve(get_settings()).engine()
    result = jobs.compute_stats(engine, as_of=as_of, symbols=symbols, parent_id=run_id)
    if result.status == Status.FAILED:
        raise ChunkFailed(f"stats for {len(symbols)} symbols: {result.message}")  # wrote nothing: retry
    return {"symbols_ok": result.symbols_ok, "rows": result.rows_written, "recomputed": result.message}


def finish_stats(*, run_id: int, as_of: date, chunk_ids: list[str], queued_at: float) -> dict:
    """After the last stats chunk: the snapshot's totals on its run."""
    engine = resolve(get_settings()).engine()
    result = RunResult(Job.STATS, target_date=as_of, run_id=run_id)
    current = get_current_job()
    assert current is not None  # runs as an RQ job
    lost = []
    fetched = RqJob.fetch_many(chunk_ids, connection=current.connection)
    for job_id, chunk_job in zip(chunk_ids, fetched, strict=True):
        summary, reason = chunk_outcome(chunk_job)
        if summary is None:
            lost.append(f"{job_id}: {reason}")
            continue
        result.symbols_ok += summary["symbols_ok"]
        result.rows_written += summary["rows"]
    done = f"{len(chunk_ids) - len(lost)} of {len(chunk_ids)} stats jobs"
    if lost:
        result.fail(f"{done}; failed: {'; '.join(lost[:3])}")
    else:
        result.status = Status.OK
        result.message = done
    result.seconds = time.time() - queued_at
    runs.close_run(engine, result)
    runs.close_children(engine, run_id)
    return {"stats": str(result.status), "rows": result.rows_written}
