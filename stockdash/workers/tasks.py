"""The functions queue workers run: one pull chunk, the end of a pull, one symbol (its daily bars,
or its minute bars for 1D/5D) for the web.

Each reads this worker's settings (the same DATABASE_URL and PROVIDER as the process that
queued it) and records itself in the run log. A chunk that fails as a whole raises, so RQ's
Retry runs it again; its writes are one transaction, so a failed or killed attempt leaves nothing.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime

from rq import Queue, get_current_job
from rq.job import Job as RqJob
from rq.job import JobStatus

from stockdash import fetchbudget, ingest, minute_fetch, runs
from stockdash.config import Settings, get_settings
from stockdash.deployment import resolve
from stockdash.errors import error_text
from stockdash.providers.base import Provider, ProviderError
from stockdash.runs import Job, RunResult, Status
from stockdash.workers.enqueue import PULL_QUEUE, TASKS

log = logging.getLogger("stockdash.workers")


class ChunkFailed(Exception):
    """A chunk job that wrote nothing: raised so the queue retries it."""


class ProviderMismatch(Exception):
    """This worker's PROVIDER is not the one the job was queued for."""


def _provider(settings: Settings, wanted: str) -> Provider:
    """This worker's provider; a mismatch fails the job for good (no retry can fix a setting)."""
    provider = resolve(settings).provider()
    if provider.name != wanted:
        if (job := get_current_job()) is not None:
            job.retries_left = None  # read by RQ right after this raises: no retry
        raise ProviderMismatch(f"this worker's provider is {provider.name}; the job was queued for {wanted}")
    return provider


def run_chunk(chunk: ingest.Chunk, *, run_id: int | None, provider: str, number: int, of: int) -> dict:
    """Fetch and write one chunk, recorded under the pull's run; returns what it did."""
    settings = get_settings()
    engine = resolve(settings).engine()
    source = _provider(settings, provider)
    with runs.recorded(
        engine, Job.PULL_CHUNK, provider=provider, target_date=chunk.today, parent_id=run_id
    ) as result:
        label = f"chunk {number}/{of}: {len(chunk.symbols)} symbols from {chunk.start}"
        result.message = label
        try:
            outcome = ingest.ingest(engine, source, chunk)
        except ProviderError as exc:  # the run log names the chunk that failed, and why
            result.fail(f"{label}: provider failed: {error_text(exc)}")
        else:
            result.failures.update(outcome.failures)
            result.symbols_ok = len(chunk.symbols) - len(outcome.failures)
            result.rows_written = outcome.rows
    if result.status == Status.FAILED and result.message and not result.failures:
        # The run ended on an exception (provider down, database away): wrote nothing, try again.
        raise ChunkFailed(f"chunk {number}/{of}: {result.message}")
    return {
        "run_id": result.run_id,
        "symbols_ok": result.symbols_ok,
        "rows": result.rows_written,
        "failures": result.failures,
    }


def finish_pull(
    *,
    run_id: int,
    job: str,
    chunk_ids: list[str],
    up_to_date: int,
    provider: str,
    target_date: date,
    queued_at: float,
    movers: bool,
) -> dict:
    """After the last chunk: write the pull's totals to its run, close chunk runs left by dead
    workers, then compute movers on what was pulled (once, whichever workers ran the chunks)."""
    engine = resolve(get_settings()).engine()
    result = RunResult(Job(job), provider=provider, target_date=target_date, run_id=run_id)
    result.symbols_ok = up_to_date
    current = get_current_job()
    assert current is not None  # runs as an RQ job
    redis = current.connection
    lost, workers = [], set()
    for job_id, chunk_job in zip(chunk_ids, RqJob.fetch_many(chunk_ids, connection=redis), strict=True):
        summary, reason = chunk_outcome(chunk_job)
        if summary is None:
            lost.append(job_id)
            for symbol in chunk_job.args[0].symbols if chunk_job else ():
                result.failures[symbol] = f"not fetched: {reason}"
            continue
        workers.add(chunk_job.worker_name if chunk_job else None)
        result.symbols_ok += summary["symbols_ok"]
        result.rows_written += summary["rows"]
        result.failures.update(summary["failures"])
    done = f"{len(chunk_ids) - len(lost)} of {len(chunk_ids)} chunk jobs on {len(workers)} worker(s)"
    if lost:
        result.fail(f"{done}; {len(lost)} failed: {', '.join(lost[:3])}")
    else:
        result.status = result.settle()
        result.message = done
    result.seconds = time.time() - queued_at
    runs.close_run(engine, result)
    if closed := runs.close_children(engine, run_id):
        log.warning("run=%s closed %d chunk run(s) left running by a dead worker", run_id, closed)
    outcome = {"pull": str(result.status), "rows": result.rows_written}
    if movers and result.status != Status.FAILED:
        from stockdash import jobs

        outcome["movers"] = str(jobs.compute_movers(engine, as_of=target_date).status)
        current = get_current_job()
        assert current is not None  # runs as an RQ job
        Queue(PULL_QUEUE, connection=current.connection).enqueue(
            TASKS["check_daily_job"], kwargs={"target_date": target_date}, job_timeout=600
        )
        outcome["alerts"] = "queued"
    return outcome


def chunk_outcome(chunk_job: RqJob | None) -> tuple[dict | None, str]:
    """A finished chunk job's summary, or None and why it has none."""
    if chunk_job is None:
        return None, "the chunk job expired from the queue"
    status = chunk_job.get_status(refresh=False)
    if status == JobStatus.FINISHED:
        return chunk_job.return_value(), ""
    latest = chunk_job.latest_result()
    last_line = (latest.exc_string or "").strip().splitlines()[-1:] if latest else []
    return None, f"the chunk job {status}" + (f": {last_line[0]}" if last_line else "")


def fetch_symbol(symbol: str, *, provider: str) -> str | None:
    """The web's fetch of one stale symbol; the reason it got nothing, or None."""
    settings = get_settings()
    started = time.monotonic()
    engine = resolve(settings).engine()
    outcome = ingest.refresh_symbol(engine, _provider(settings, provider), settings, symbol)
    reason = outcome.failures.get(symbol)
    if reason:
        fetchbudget.remember_unknown(engine, symbol)
    log.info(
        "job=fetch symbol=%s rows=%d failed=%s seconds=%.1f",
        symbol,
        outcome.rows,
        reason or "-",
        time.monotonic() - started,
    )
    return reason


def fetch_minutes(symbol: str, *, provider: str, now: datetime) -> str | None:
    """The web's fetch of one symbol's minute bars for 1D/5D, as of the web's `now`; the reason it
    got none (the provider had none, or could not answer), or None when bars were stored."""
    settings = get_settings()
    engine = resolve(settings).engine()
    try:
        stored = minute_fetch.fetch_and_store(engine, _provider(settings, provider), symbol, now=now)
    except ProviderError as exc:
        log.info("job=fetch-minutes symbol=%s failed: %s", symbol, error_text(exc))
        return f"the price provider did not answer ({error_text(exc)})"
    log.info("job=fetch-minutes symbol=%s rows=%d", symbol, stored.rows)
    return None if stored.first else "the price provider has no minute bars for it"
