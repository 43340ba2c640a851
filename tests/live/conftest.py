"""Helpers for live tests: wait for a condition with a deadline (never sleep-and-hope)."""

from __future__ import annotations

import pytest

from stockdash.config import Settings


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
