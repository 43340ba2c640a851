"""`python clock.py` as a real process: SIGTERM mid-pull, and two clocks against one PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from stockdash import ingest
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.demo import DemoProvider
from stockdash.schema import daily_bars, job_runs
from tests.harness import wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def clock_env(database_url: str, universe: str, history_years: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("APP_URL", "PYTHONWARNINGS")}
    env.update(
        DATABASE_URL=database_url,
        PROVIDER="demo",
        UNIVERSE=universe,
        HISTORY_YEARS=str(history_years),
        LOG_LEVEL="INFO",
        PULL_DELAY_MINUTES="30",
    )
    return env


class Clock:
    """One `python clock.py` process with its log in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "clock.py"], cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT
        )

    def text(self) -> str:
        return self.log.read_text()

    def wait_log(self, needle: str, timeout: float = 60) -> None:
        wait_for(lambda: needle in self.text() or self.proc.poll() is not None, timeout, f"{needle!r} in log")
        assert needle in self.text(), self.text()

    def terminate(self) -> float:
        """SIGTERM; seconds until the process ended."""
        sent = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        finally:
            self.close()
        return time.monotonic() - sent

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._out.close()


@pytest.fixture
def migrated(database_url) -> Iterator[tuple[str, object]]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield database_url, engine
    engine.dispose()


def test_sigterm_mid_pull_exits_fast_and_leaves_whole_chunks(migrated, tmp_path):
    url, engine = migrated
    clock = Clock(clock_env(url, "sp500", 2), tmp_path / "clock.log")
    try:
        # The database is empty, so the clock catches up at once: a pull of 503 symbols in 6 chunks.
        clock.wait_log("job=pull chunk=1/")
        seconds = clock.terminate()
    finally:
        clock.close()
    log = clock.text()
    assert clock.proc.returncode == 0, log
    assert seconds < 10, log
    assert "clock stopping: SIGTERM" in log and "clock lock released" in log

    with engine.connect() as conn:
        runs = conn.execute(
            select(job_runs.c.job, job_runs.c.status, job_runs.c.message, job_runs.c.target_date)
        ).all()
        stored = dict(
            conn.execute(select(daily_bars.c.symbol, func.count()).group_by(daily_bars.c.symbol)).all()
        )
    assert [r.job for r in runs] == ["pull"], runs  # stopped: no movers after a cut-short pull
    assert runs[0].status in ("cut_short", "failed") and runs[0].message.startswith("stopped"), runs
    assert 0 < len(stored) < 503 and len(stored) % Settings(_env_file=None).pull_chunk_size == 0, len(stored)

    # Every stored symbol has its whole history: the demo provider, asked again, gives the same rows.
    settings = Settings(_env_file=None, provider="demo", history_years=2)
    target = runs[0].target_date
    expected = DemoProvider().fetch_daily(
        sorted(stored), start=ingest.history_start(settings, target), end=target
    )
    assert stored == expected.bars.groupby("symbol").size().to_dict()


def test_two_clocks_one_postgres_only_one_works(postgres_url, tmp_path):
    engine = make_engine(postgres_url)
    upgrade(engine)
    env = clock_env(postgres_url, "AAPL,MSFT", 1)
    first = Clock(env, tmp_path / "first.log")
    second = None
    try:
        first.wait_log("clock active")
        first.wait_log("job=daily end")
        second = Clock(env, tmp_path / "second.log")
        second.wait_log("clock standby")
        time.sleep(1)  # a standby that wrongly ran jobs would do so right away
        assert "clock active" not in second.text() and "job=" not in second.text()
        with engine.connect() as conn:
            assert (
                conn.execute(
                    select(func.count()).select_from(job_runs).where(job_runs.c.job == "pull")
                ).scalar()
                == 1
            )
            # Forget the pull, so the clock that takes over has something to catch up on.
            conn.execute(delete(job_runs))
            conn.commit()

        assert first.terminate() < 10
        assert first.proc.returncode == 0
        second.wait_log("clock active", timeout=30)
        second.wait_log("has no pull: daily runs now")
        second.wait_log("job=daily end")
        with engine.connect() as conn:
            statuses = conn.execute(select(job_runs.c.job, job_runs.c.status).order_by(job_runs.c.id)).all()
        assert [tuple(s) for s in statuses] == [("pull", "ok"), ("movers", "ok"), ("stats", "ok")]
        assert second.terminate() < 10
        assert second.proc.returncode == 0
    finally:
        first.close()
        if second is not None:
            second.close()
        engine.dispose()
    assert "standby" not in first.text()
