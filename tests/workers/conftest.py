"""Queue fixtures: a Redis database of the test's own, and real `python worker.py work` processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

from stockdash.config import Settings
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
CLAIM_SECONDS = 900
CLAIM_KEY = "stockdash-test:db:"  # in database 0: which numbered database a test run holds

# Short enough that a killed worker's job is back in the queue within seconds, not a minute.
FAST = ["--heartbeat", "1", "--abandoned-after", "3", "--maintenance", "1"]


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database number no other test (or engineer) holds, empty, emptied again after."""
    admin = Redis(host=REDIS_HOST, port=REDIS_PORT, db=0, socket_connect_timeout=2)
    try:
        admin.ping()
    except RedisError:
        skip_or_fail(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
    claims = (admin.set(f"{CLAIM_KEY}{n}", os.getpid(), nx=True, ex=CLAIM_SECONDS) for n in range(1, 16))
    number = next((n for n, claimed in enumerate(claims, start=1) if claimed), None)
    if number is None:
        pytest.fail("every Redis database 1-15 is claimed by another test run")
    db = Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
    db.flushdb()
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
    finally:
        db.flushdb()
        db.close()
        admin.delete(f"{CLAIM_KEY}{number}")
        admin.close()


def worker_env(**settings: str) -> dict[str, str]:
    """The environment of a worker process: this one's, minus stockdash settings, plus `settings`."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in ours and k != "PYTHONWARNINGS"}
    env.update(LOG_LEVEL="INFO", YAHOO_RETRIES="0", **settings)
    return env


QUEUE_UNIVERSE = "AAPL,MSFT,NVDA,AMZN,GOOGL,META,TSLA,JPM,XOM,SPY,QQQ,IWM"


def queue_settings(database_url: str, redis_url: str, **extra) -> Settings:
    """What a queue test runs with: a small universe, a year of history, small chunks; `extra` wins."""
    values = dict(
        database_url=database_url,
        redis_url=redis_url,
        provider="demo",
        universe=QUEUE_UNIVERSE,
        history_years=1,
        queue_chunk_size=2,
    )
    return Settings(_env_file=None, **{**values, **extra})


def settings_env(settings: Settings, **more: str) -> dict[str, str]:
    """`worker_env` for a worker running with `settings` (those a queue test sets), plus `more`."""
    return worker_env(
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url or "",
        PROVIDER=settings.provider,
        UNIVERSE=settings.universe,
        HISTORY_YEARS=str(settings.history_years),
        **more,
    )


def session_pids(sid: int) -> list[int]:
    """Every live process in session `sid`: a worker, its forked job and its scheduler."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


class WorkerProcess:
    """One `python worker.py work` in a session of its own, like the processes of one dyno."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "worker.py", "work", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text()

    def signal_dyno(self, signum: int) -> None:
        """What the platform does: the signal to every process of the dyno at once."""
        for pid in session_pids(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.signal_dyno(signal.SIGKILL)
            self.proc.wait()
        self.signal_dyno(signal.SIGKILL)  # a job or scheduler process the worker left behind
        self._out.close()


@pytest.fixture
def workers(tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start worker processes: `workers(env, *args)`; all are killed at the end of the test."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], *args: str) -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started) + 1}.log", *args)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()


def live_worker_count(redis_url: str) -> int:
    from rq import Worker

    from stockdash.workers.connection import redis_for

    return Worker.count(connection=redis_for(redis_url))
