"""`worker.py stream` in the foreground (demo walk) and the live lines of `worker.py status`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from stockdash.db import make_engine
from stockdash.live.writer import read_status
from tests.harness import wait_for

ROOT = Path(__file__).resolve().parent.parent.parent


def worker_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "PROVIDER": "demo", "WATCHLIST": "AAPL,BTC-USD"}


def worker(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "worker.py", *args],
        cwd=ROOT,
        env=worker_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def last_frame_at(database_url: str):
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            row = read_status(conn)
    finally:
        engine.dispose()
    return row and row["last_frame_at"]


def test_stream_then_status(database_url):
    assert worker(database_url, "migrate").returncode == 0
    # Stopped (SIGTERM) once a frame is stored, not after a fixed 3 s a busy machine may spend starting.
    stream = subprocess.Popen(
        [sys.executable, "worker.py", "stream", "--symbols", "MSFT,ETH-USD", "--seconds", "120"],
        cwd=ROOT,
        env=worker_env(database_url),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: last_frame_at(database_url), 60, "a first stored frame", interval=0.2)
    finally:
        stream.send_signal(signal.SIGTERM)
        _, stderr = stream.communicate(timeout=60)
    assert stream.returncode == 0, stderr
    assert "job=stream status=ok" in stderr
    status = worker(database_url, "status")
    assert status.returncode == 0, status.stderr
    lines = {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
        for line in status.stdout.splitlines()
        if line.startswith(("live", "last frame"))
    }
    assert lines["live set"] == "2/50 AAPL,BTC-USD"
    assert lines["live stream"].startswith("stopped (demo)")
    frame, rate = lines["last frame"].split("frames/minute")
    assert frame.strip() != "-" and float(rate.strip(": ")) > 0
