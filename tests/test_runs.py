"""The run recorder: one way to start, time, classify and finish a run; heartbeats; abandoned runs."""

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from stockdash import runs
from stockdash.providers.base import ProviderError
from stockdash.runs import Job, Status
from stockdash.schema import job_runs
from tests.harness import moment_env
from tests.test_cli import ROOT, SYMBOLS, worker


def rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(job_runs).order_by(job_runs.c.id)).mappings()]


@pytest.mark.parametrize(
    ("raised", "rows_written", "status", "message"),
    [
        (None, 0, Status.OK, ""),
        (ProviderError("429 Too Many Requests"), 0, Status.FAILED, "provider failed: ProviderError: 429"),
        (ProviderError("timed out"), 12, Status.CUT_SHORT, "provider failed: ProviderError: timed out"),
        (ZeroDivisionError("division by zero"), 0, Status.FAILED, "unexpected error: ZeroDivisionError"),
    ],
)
def test_recorded_maps_what_happened_to_a_status(engine, raised, rows_written, status, message):
    with runs.recorded(engine, Job.PULL_SYMBOLS, provider="demo") as result:
        result.rows_written = rows_written
        if raised:
            raise raised
    assert result.status == status and result.message.startswith(message)
    [row] = rows(engine)
    assert row["status"] == status and row["message"].startswith(message)
    assert row["finished_at"] is not None and row["rows_written"] == rows_written


def test_partial_when_some_symbols_failed(engine):
    with runs.recorded(engine, Job.PULL) as result:
        result.symbols_ok = 3
        result.failures["ZZZZ"] = "no data"
    assert result.status == Status.PARTIAL and rows(engine)[0]["symbols_failed"] == 1


def test_a_running_job_beats_its_heart(engine, monkeypatch):
    monkeypatch.setattr(runs, "HEARTBEAT_SECONDS", 0.05)
    with runs.recorded(engine, Job.MOVERS) as result:
        first = rows(engine)[0]["heartbeat_at"]
        deadline = time.monotonic() + 10
        while rows(engine)[0]["heartbeat_at"] == first:
            assert time.monotonic() < deadline, "no heartbeat within 10 s"
            time.sleep(0.05)
        result.symbols_ok = 1
    assert rows(engine)[0]["status"] == Status.OK


def _running_row(engine, *, beat_minutes_ago: float) -> int:
    beat = datetime.now(UTC) - timedelta(minutes=beat_minutes_ago)
    with engine.begin() as conn:
        return conn.execute(
            insert(job_runs)
            .values(job="pull", status="running", started_at=beat - timedelta(hours=1), heartbeat_at=beat)
            .returning(job_runs.c.id)
        ).scalar_one()


def test_housekeeping_closes_only_runs_whose_heart_stopped(engine, database_url):
    dead = _running_row(engine, beat_minutes_ago=10)
    alive = _running_row(engine, beat_minutes_ago=1)
    done = worker("housekeeping", database_url=database_url)
    assert done.returncode == 0, done.stderr
    by_id = {r["id"]: r for r in rows(engine)}
    assert by_id[dead]["status"] == "failed" and by_id[dead]["message"].startswith("abandoned")
    assert by_id[alive]["status"] == "running"


def test_a_pull_killed_with_sigkill_is_closed_as_abandoned(engine, database_url):
    """SIGKILL leaves the row `running`; once its heartbeat is old, housekeeping closes it."""
    # 22 symbols x 20 years: seconds of work, so the kill lands mid-run.
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": database_url, "PROVIDER": "demo", "HISTORY_YEARS": "20"}
    env |= moment_env()
    proc = subprocess.Popen(
        [sys.executable, "worker.py", "pull", "--symbols", SYMBOLS],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not rows(engine):
        assert time.monotonic() < deadline and proc.poll() is None, "the pull never started"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    [row] = rows(engine)
    assert row["status"] == "running"
    with engine.begin() as conn:  # ten minutes pass without a beat
        conn.execute(update(job_runs).values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=10)))
    assert runs.mark_abandoned(engine) == 1
    assert rows(engine)[0]["status"] == "failed"
