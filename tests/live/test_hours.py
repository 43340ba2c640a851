"""Market-hours gating across a holiday and a half day; the cron edges the clock streams by."""

from __future__ import annotations

from datetime import datetime

import pytest

from stockdash.calendar import NEW_YORK
from stockdash.clock.live_edges import PreMarketOpenTrigger, post_market_close_trigger
from stockdash.live.hours import is_streaming, next_open, session_at


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("moment", "session"),
    [
        (ny(2026, 11, 25, 3, 59), "closed"),
        (ny(2026, 11, 25, 4, 0), "pre"),
        (ny(2026, 11, 25, 9, 29), "pre"),
        (ny(2026, 11, 25, 9, 30), "regular"),
        (ny(2026, 11, 25, 15, 59), "regular"),
        (ny(2026, 11, 25, 16, 0), "post"),
        (ny(2026, 11, 25, 19, 59), "post"),
        (ny(2026, 11, 25, 20, 0), "closed"),
        (ny(2026, 11, 26, 10, 0), "closed"),  # Thanksgiving
        (ny(2026, 11, 27, 12, 59), "regular"),  # half day: the bell rings at 13:00
        (ny(2026, 11, 27, 13, 0), "post"),
        (ny(2026, 11, 27, 16, 59), "post"),
        (ny(2026, 11, 27, 17, 0), "closed"),  # post-market ends at 17:00 after a half day
        (ny(2026, 11, 28, 10, 0), "closed"),  # Saturday
    ],
)
def test_sessions(moment, session):
    assert session_at(moment) == session


def test_stocks_stream_in_extended_hours_crypto_and_fx_always():
    holiday = ny(2026, 11, 26, 12, 0)
    assert not is_streaming("AAPL", holiday)
    assert is_streaming("BTC-USD", holiday) and is_streaming("EURUSD=X", holiday)
    assert is_streaming("AAPL", ny(2026, 11, 27, 16, 30)) and not is_streaming(
        "AAPL", ny(2026, 11, 27, 17, 30)
    )


def test_next_open_skips_the_holiday_and_the_weekend():
    assert next_open(ny(2026, 11, 25, 17, 0)) == ny(2026, 11, 27, 9, 30)
    assert next_open(ny(2026, 11, 27, 10, 0)) == ny(2026, 11, 30, 9, 30)


def test_stream_edges_fire_on_trading_days_only():
    opens, closes = [], []
    fire_open = fire_close = None
    start = ny(2026, 11, 24, 0, 0)
    for _ in range(4):
        fire_open = PreMarketOpenTrigger().get_next_fire_time(fire_open, start)
        fire_close = post_market_close_trigger().get_next_fire_time(fire_close, start)
        opens.append(fire_open.isoformat())
        closes.append(fire_close.isoformat())
    assert opens == [
        "2026-11-24T04:00:00-05:00",
        "2026-11-25T04:00:00-05:00",
        "2026-11-27T04:00:00-05:00",  # none on Thanksgiving
        "2026-11-30T04:00:00-05:00",
    ]
    assert closes == [
        "2026-11-24T20:00:00-05:00",
        "2026-11-25T20:00:00-05:00",
        "2026-11-27T17:00:00-05:00",  # half day
        "2026-11-30T20:00:00-05:00",
    ]
