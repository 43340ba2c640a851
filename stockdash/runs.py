"""The job-run log: what ran, when, how it ended, rows written, per-symbol failures.

Every job records itself through `recorded()`, the one place that starts a run, times it,
turns exceptions into statuses and finishes it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from stockdash.errors import error_text
from stockdash.providers.base import ProviderError
from stockdash.schema import job_runs
from stockdash.store import DatasetMismatch

log = logging.getLogger("stockdash.jobs")


class Job(StrEnum):
    """Job names as the run log stores them."""

    PULL = "pull"  # the whole universe: only this one counts for the clock's catch-up
    PULL_CHUNK = "pull-chunk"  # one queued chunk of a pull, under the pull's run (parent_id)
    PULL_SYMBOLS = "pull-symbols"  # a hand-picked list
    MOVERS = "movers"
    STATS = "stats"  # the screener's snapshot of the whole universe (queued: chunk runs under it)
    STATS_CHUNK = "stats-chunk"
    HOUSEKEEPING = "housekeeping"


class Status(StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # reached every symbol; some of them failed
    CUT_SHORT = "cut_short"  # ended early (a shutdown, an outage) after writing something
    FAILED = "failed"


PULLS = (Job.PULL, Job.PULL_SYMBOLS)

# A running job touches its row this often; one silent for ABANDONED_AFTER died with its process.
HEARTBEAT_SECONDS = 30.0
ABANDONED_AFTER = timedelta(minutes=5)


@dataclass
class RunResult:
    """How one job run ended; also what the CLI prints and the clock logs."""

    job: str
    status: Status = Status.RUNNING
    symbols_ok: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0
    message: str = ""
    target_date: date | None = None
    provider: str = ""
    run_id: int | None = None
    seconds: float = 0.0
    parent_id: int | None = None

    @property
    def symbols_failed(self) -> int:
        return len(self.failures)

    def settle(self) -> Status:
        """ok when nothing failed, partial when some symbols did, failed when none succeeded."""
        if not self.failures:
            return Status.OK
        return Status.PARTIAL if self.symbols_ok or self.rows_written else Status.FAILED

    def fail(self, message: str) -> None:
        """End the run early: cut short if it wrote something, failed if not."""
        self.message = message
        self.status = Status.CUT_SHORT if self.rows_written else Status.FAILED

    def log_line(self) -> str:
        worst = ", ".join(f"{s}: {r}" for s, r in list(self.failures.items())[:5])
        return (
            f"job={self.job} status={self.status} target={self.target_date or '-'} "
            f"provider={self.provider or '-'} symbols_ok={self.symbols_ok} "
            f"symbols_failed={self.symbols_failed} rows={self.rows_written} "
            f"seconds={self.seconds:.1f}"
            + (f" failures=[{worst}]" if worst else "")
            + (f" message={self.message!r}" if self.message else "")
        )


@contextmanager
def recorded(
    engine: Engine,
    job: Job,
    *,
    provider: str = "",
    target_date: date | None = None,
    parent_id: int | None = None,
) -> Iterator[RunResult]:
    """Record one run of `job`: a `running` row first (a crash mid-run stays visible), then its end.

    The body fills in the result; an exception it raises ends the run as failed (or cut short
    when rows were already written) with a message saying why, and is not re-raised: a job's
    caller gets a finished RunResult either way. A run with a parent keeps the parent's heartbeat
    going too: the parent lives as long as any of its chunks runs.
    """
    result = RunResult(job, provider=provider, target_date=target_date, parent_id=parent_id)
    started = time.monotonic()
    _start(engine, result)
    beating = threading.Event()
    rows = [result.run_id] if parent_id is None else [result.run_id, parent_id]
    heart = threading.Thread(target=_beat, args=(engine, rows, beating), name=f"heartbeat-{job}", daemon=True)
    heart.start()
    try:
        yield result
    except ProviderError as exc:
        result.fail(f"provider failed: {error_text(exc)}")
    except DatasetMismatch as exc:
        result.fail(str(exc))
    except SQLAlchemyError as exc:
        result.fail(f"database error: {error_text(exc)}")
    except Exception as exc:  # a bug must still close the run, not leave it `running`
        log.exception("job=%s unexpected error", job)
        result.fail(f"unexpected error: {error_text(exc)}")
    else:
        if result.status == Status.RUNNING:
            result.status = result.settle()
    finally:
        beating.set()
    result.seconds = time.monotonic() - started
    _finish(engine, result)


def _now() -> datetime:
    return datetime.now(UTC)


def _beat(engine: Engine, run_ids: list[int | None], done: threading.Event) -> None:
    """Touch the runs' heartbeat until the run ends; a missed beat (a busy database) is only logged."""
    while not done.wait(HEARTBEAT_SECONDS):
        try:
            with engine.begin() as conn:
                conn.execute(update(job_runs).where(job_runs.c.id.in_(run_ids)).values(heartbeat_at=_now()))
        except Exception as exc:
            log.warning("run=%s heartbeat failed: %s", run_ids[0], error_text(exc))


def open_run(engine: Engine, job: Job, *, provider: str, target_date: date | None, message: str) -> int:
    """Start a run whose end another process writes (`close_run`): a queued pull, closed by its last job."""
    result = RunResult(job, provider=provider, target_date=target_date, message=message)
    _start(engine, result)
    assert result.run_id is not None
    return result.run_id


def close_run(engine: Engine, result: RunResult) -> None:
    """Write the end of a run opened with `open_run` (result.run_id), and log its line."""
    _finish(engine, result)


def _start(engine: Engine, result: RunResult) -> None:
    with engine.begin() as conn:
        result.run_id = conn.execute(
            insert(job_runs)
            .values(
                job=result.job,
                provider=result.provider,
                started_at=_now(),
                heartbeat_at=_now(),
                status=Status.RUNNING,
                target_date=result.target_date,
                message=result.message,
                parent_id=result.parent_id,
            )
            .returning(job_runs.c.id)
        ).scalar_one()


def _finish(engine: Engine, result: RunResult) -> None:
    """Write the end of the run; if the database is gone, the log line still tells."""
    try:
        with engine.begin() as conn:
            conn.execute(
                update(job_runs)
                .where(job_runs.c.id == result.run_id)
                .values(
                    finished_at=_now(),
                    status=result.status,
                    symbols_ok=result.symbols_ok,
                    symbols_failed=result.symbols_failed,
                    rows_written=result.rows_written,
                    failures=json.dumps(result.failures, sort_keys=True),
                    message=result.message[:2000],
                    target_date=result.target_date,
                )
            )
    except Exception as exc:  # the run's own outcome matters more than its log row
        log.error("job=%s could not record its end: %s", result.job, error_text(exc))
    level = logging.INFO if result.status == Status.OK else logging.WARNING
    log.log(level, result.log_line())


def mark_abandoned(engine: Engine, *, now: datetime | None = None) -> int:
    """Runs still `running` whose heartbeat stopped died with their process: call them failed."""
    cutoff = (now or _now()) - ABANDONED_AFTER
    last_sign = func.coalesce(job_runs.c.heartbeat_at, job_runs.c.started_at)
    with engine.begin() as conn:
        return conn.execute(
            update(job_runs)
            .where(job_runs.c.status == Status.RUNNING, last_sign < cutoff)
            .values(status=Status.FAILED, finished_at=_now(), message="abandoned: the process ended mid-run")
        ).rowcount


def mark_interrupted(engine: Engine, *, since: datetime) -> int:
    """Runs this process started and could not finish before exiting: failed, their chunk rolled back."""
    with engine.begin() as conn:
        return conn.execute(
            update(job_runs)
            .where(job_runs.c.status == Status.RUNNING, job_runs.c.started_at >= since)
            .values(
                status=Status.FAILED,
                finished_at=_now(),
                message="interrupted by shutdown mid-chunk; that chunk was rolled back",
            )
        ).rowcount


def close_children(engine: Engine, parent_id: int) -> int:
    """Chunk runs still `running` when their pull ends died with their worker: call them failed."""
    with engine.begin() as conn:
        return conn.execute(
            update(job_runs)
            .where(job_runs.c.parent_id == parent_id, job_runs.c.status == Status.RUNNING)
            .values(
                status=Status.FAILED,
                finished_at=_now(),
                message="abandoned: its worker died mid-chunk; the queue retries such a chunk",
            )
        ).rowcount


def last_success(engine: Engine, *jobs: Job) -> dict | None:
    """The latest ok or partial run of any of `jobs` (its target date and end time), or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(job_runs)
                .where(job_runs.c.job.in_(jobs), job_runs.c.status.in_((Status.OK, Status.PARTIAL)))
                .order_by(job_runs.c.finished_at.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def _done_for(engine: Engine, job: Job, day: date, statuses: tuple[Status, ...]) -> bool:
    with engine.connect() as conn:
        latest = conn.execute(
            select(func.max(job_runs.c.target_date)).where(
                job_runs.c.job == job, job_runs.c.status.in_(statuses)
            )
        ).scalar()
    return latest is not None and latest >= day


def has_pulled(engine: Engine, day: date) -> bool:
    """Whether a universe pull for trading date `day` (or later) reached every symbol: ok, or
    partial for per-symbol failures. A pull cut short did not, so a restarted clock catches up."""
    return _done_for(engine, Job.PULL, day, (Status.OK, Status.PARTIAL))


def has_movers(engine: Engine, day: date) -> bool:
    """Whether movers for trading date `day` (or later) were computed."""
    return _done_for(engine, Job.MOVERS, day, (Status.OK,))


def has_stats(engine: Engine, day: date) -> bool:
    """Whether the screener's snapshot for trading date `day` (or later) was computed."""
    return _done_for(engine, Job.STATS, day, (Status.OK,))


def recent(engine: Engine, limit: int = 10) -> list[dict]:
    """The latest whole runs; a queued pull's chunk runs are under their pull (`children`)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(job_runs).where(job_runs.c.parent_id.is_(None)).order_by(job_runs.c.id.desc()).limit(limit)
        ).mappings()
        return [dict(r) for r in rows]


def children(engine: Engine, run_id: int) -> list[dict]:
    """The chunk runs of a queued pull, in the order they started (a retried chunk appears twice)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(job_runs).where(job_runs.c.parent_id == run_id).order_by(job_runs.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def prune(engine: Engine, *, keep_days: int, now: datetime | None = None) -> int:
    """Delete finished runs older than keep_days; returns how many."""
    cutoff = (now or _now()) - timedelta(days=keep_days)
    with engine.begin() as conn:
        return conn.execute(
            delete(job_runs).where(job_runs.c.started_at < cutoff, job_runs.c.status != Status.RUNNING)
        ).rowcount
