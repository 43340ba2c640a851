"""Tests only: a Python process started with this folder on PYTHONPATH lives at STOCKDASH_TEST_NOW.

The any-hour run (tests/anyhour.sh) sets STOCKDASH_TEST_NOW to a moment of the trading week. The
test session (tests/conftest.py loads this file) and every process it starts (gunicorn, clock.py,
worker.py, which inherit PYTHONPATH) travel there with time-machine, the clock ticking, all to one
timeline: a child started 5 s after the session reads a time 5 s after the moment. Only the wall
clock moves (time.time, datetime.now, date.today); monotonic clocks, sleeps and timeouts are real.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

MOMENT = "STOCKDASH_TEST_NOW"
# The real epoch at which the session arrived at the moment, inherited by the children.
SINCE = "STOCKDASH_TEST_NOW_SINCE"


def travel() -> datetime | None:
    """Start travelling to the moment (shifted by the real time since the session's start)."""
    moment = os.environ.get(MOMENT)
    if not moment:
        return None
    import time_machine

    there = datetime.fromisoformat(moment)
    if there.tzinfo is None:
        raise ValueError(f"{MOMENT}={moment} needs a UTC offset, e.g. 2026-11-27T13:30:00-05:00")
    since = float(os.environ.setdefault(SINCE, repr(time.time())))
    there += timedelta(seconds=max(0.0, time.time() - since))
    time_machine.travel(there, tick=True).start()
    return there


ARRIVED = travel()
