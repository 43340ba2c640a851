"""The job-run log: what ran, when, how it ended, rows written, per-symbol failures."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update

from stockdash.schema import job_runs

log = logging.getLogger("stockdash.jobs")

STOPPED = "stopped"  # how a pull's message starts when a shutdown ended it early

# A `running` row older than this was left by a process that died; it reads as failed.
ABANDONED_AFTER = timedelta(hours=6)


@dataclass
class RunResult:
    """How one job run ended; also what the CLI prints and the clock logs."""

    job: str
    status: str = "running"  # running | ok | partial | failed
    symbols_ok: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    rows_written: int = 0
    message: str = ""
    target_date: date | None = None
    provider: str = ""
    run_id: int | None = None
    seconds: float = 0.0

    @property
    def symbols_failed(self) -> int:
        return len(self.failures)

    def finish(self, status: str | None = None) -> None:
        """ok when nothing failed, partial when some symbols did, failed when none succeeded."""
        if status is None:
            if not self.failures:
                status = "ok"
            elif self.symbols_ok or self.rows_written:
                status = "partial"
            else:
                status = "failed"
        self.status = status

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


def _now() -> datetime:
    return datetime.now(UTC)


def start(engine: Engine, result: RunResult) -> None:
    """Insert the `running` row so a crash mid-run is visible in the log."""
    with engine.begin() as conn:
        result.run_id = conn.execute(
            insert(job_runs)
            .values(
                job=result.job,
                provider=result.provider,
                started_at=_now(),
                status="running",
                target_date=result.target_date,
            )
            .returning(job_runs.c.id)
        ).scalar_one()


def finish(engine: Engine, result: RunResult, started: float) -> None:
    """Write the end of the run; if the database is gone, the log line still tells."""
    result.seconds = time.monotonic() - started
    try:
        if result.run_id is not None:
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
    level = logging.INFO if result.status == "ok" else logging.WARNING
    log.log(level, result.log_line())


def error_text(exc: BaseException) -> str:
    """`Type: first line of the message`, short enough for a log line and the run log."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def mark_abandoned(engine: Engine, *, now: datetime | None = None) -> int:
    """Runs still `running` long after they started died with their process: call them failed."""
    cutoff = (now or _now()) - ABANDONED_AFTER
    with engine.begin() as conn:
        return conn.execute(
            update(job_runs)
            .where(job_runs.c.status == "running", job_runs.c.started_at < cutoff)
            .values(status="failed", finished_at=_now(), message="abandoned: the process ended mid-run")
        ).rowcount


def last_success(engine: Engine, *jobs: str) -> dict | None:
    """The latest ok or partial run of any of `jobs` (its target date and end time), or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(job_runs)
                .where(job_runs.c.job.in_(jobs), job_runs.c.status.in_(("ok", "partial")))
                .order_by(job_runs.c.finished_at.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def has_pulled(engine: Engine, day: date) -> bool:
    """Whether a universe pull for trading date `day` (or later) got through: ok, or partial for
    per-symbol failures only. A pull cut short (a shutdown, an outage: its message says why) did
    not get through, so a restarted clock catches up."""
    got_through = or_(
        job_runs.c.status == "ok", and_(job_runs.c.status == "partial", job_runs.c.message == "")
    )
    with engine.connect() as conn:
        latest = conn.execute(
            select(func.max(job_runs.c.target_date)).where(job_runs.c.job == "pull", got_through)
        ).scalar()
    return latest is not None and latest >= day


def has_movers(engine: Engine, day: date) -> bool:
    """Whether movers for trading date `day` (or later) were computed."""
    with engine.connect() as conn:
        latest = conn.execute(
            select(func.max(job_runs.c.target_date)).where(
                job_runs.c.job == "movers", job_runs.c.status == "ok"
            )
        ).scalar()
    return latest is not None and latest >= day


def mark_interrupted(engine: Engine, *, since: datetime) -> int:
    """Runs this process started and could not finish before exiting: failed, their chunk rolled back."""
    with engine.begin() as conn:
        return conn.execute(
            update(job_runs)
            .where(job_runs.c.status == "running", job_runs.c.started_at >= since)
            .values(
                status="failed",
                finished_at=_now(),
                message="interrupted by shutdown mid-chunk; that chunk was rolled back",
            )
        ).rowcount


def recent(engine: Engine, limit: int = 10) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]


def prune(engine: Engine, *, keep_days: int, now: datetime | None = None) -> int:
    """Delete finished runs older than keep_days; returns how many."""
    cutoff = (now or _now()) - timedelta(days=keep_days)
    with engine.begin() as conn:
        return conn.execute(
            delete(job_runs).where(job_runs.c.started_at < cutoff, job_runs.c.status != "running")
        ).rowcount
