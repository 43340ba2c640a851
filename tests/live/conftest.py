"""Helpers for live tests: wait for a condition with a deadline (never sleep-and-hope)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from stockdash.config import Settings


def wait_for(condition: Callable[[], object], *, timeout: float = 15.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def live_settings(database_url) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        provider="yahoo",
        universe="AAPL,MSFT",
        watchlist="MSFT,BTC-USD",
        live_max_symbols=3,
    )
