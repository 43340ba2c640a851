"""`worker.py stream` in the foreground (demo walk) and the live lines of `worker.py status`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def worker(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "PROVIDER": "demo", "WATCHLIST": "AAPL,BTC-USD"}
    return subprocess.run(
        [sys.executable, "worker.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_stream_then_status(database_url):
    assert worker(database_url, "migrate").returncode == 0
    ran = worker(database_url, "stream", "--symbols", "MSFT,ETH-USD", "--seconds", "3")
    assert ran.returncode == 0, ran.stderr
    assert "job=stream status=ok" in ran.stderr
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
