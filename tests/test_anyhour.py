"""The any-hour machinery itself (tests/anyhour.sh): a moment reaches this process and its children."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tests.conftest import ANYHOUR_SITE
from tests.harness import ROOT, moment_env

MOMENT = "2026-11-27T13:30:00-05:00"  # the half day, as tests/anyhour.sh names it
PRINT_NOW = "from datetime import UTC, datetime; print(datetime.now(UTC).isoformat())"


def child_now(env: dict[str, str]) -> datetime:
    out = subprocess.run(
        [sys.executable, "-c", PRINT_NOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return datetime.fromisoformat(out.stdout.strip())


def test_a_child_started_with_the_moment_lives_there():
    # A child started a minute after the session reached the moment reads a minute past it.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ANYHOUR_SITE),
        "STOCKDASH_TEST_NOW": MOMENT,
        "STOCKDASH_TEST_NOW_SINCE": repr(real_epoch() - 60),
    }
    start = datetime.fromisoformat(MOMENT) + timedelta(seconds=60)
    seen = child_now(env)
    assert start <= seen < start + timedelta(minutes=5), seen


def test_a_child_without_the_moment_reads_the_real_clock():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    assert abs(child_now(env) - datetime.fromtimestamp(real_epoch(), UTC)) < timedelta(minutes=5)


def test_this_session_and_its_children_agree():
    """In an any-hour run both read the moment (plus the session so far); otherwise both read now."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **moment_env()}
    here, there = datetime.now(UTC), child_now(env)
    assert timedelta(0) <= there - here < timedelta(minutes=2)
    if os.environ.get("STOCKDASH_TEST_NOW"):
        start = datetime.fromisoformat(os.environ["STOCKDASH_TEST_NOW"])
        assert start <= here < start + timedelta(hours=6), here


def real_epoch() -> float:
    """The real time, whatever this process's clock says (time-machine leaves monotonic clocks alone)."""
    out = subprocess.run(["date", "+%s"], capture_output=True, text=True, timeout=10)
    return float(out.stdout)
