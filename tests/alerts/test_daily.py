"""The daily kinds on stored bars: RSI 14, the 52-week high, relative volume, the SMA cross."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import select

from stockdash import calendar
from stockdash.alerts import rules
from stockdash.alerts.channels import parse_channels
from stockdash.alerts.daily import check_daily, daily_figures, rsi
from stockdash.schema import alert_firings
from stockdash.store import upsert_bars

CHANNELS = parse_channels("json://127.0.0.1:9/hook")
SESSIONS = calendar.sessions(datetime(2025, 1, 2).date(), datetime(2026, 3, 2).date())


def _store(engine, symbol: str, closes: np.ndarray, volumes: np.ndarray) -> None:
    days = SESSIONS[-len(closes) :]
    frame = pd.DataFrame(
        {
            "symbol": symbol,
            "date": days,
            "open": closes,
            "high": closes * 1.001,
            "low": closes * 0.999,
            "close": closes,
            "adj_close": closes,
            "volume": volumes,
        }
    )
    with engine.begin() as conn:
        upsert_bars(conn, frame)


def test_rsi_is_wilders():
    rising = np.arange(1.0, 31.0)
    assert rsi(rising)[14:].tolist() == [100.0] * 16  # only gains
    zigzag = np.array([10.0, 11.0] * 15)
    assert np.allclose(rsi(zigzag)[14:], 50.0, atol=4)  # as much up as down
    assert np.isnan(rsi(rising)[:14]).all()


def test_daily_rules_fire_once_on_the_session_that_crosses(engine):
    # A year of a slow climb, then on the last session: a jump to a new high on 5x the volume.
    n = 260
    closes = 100 * (1 + 0.001) ** np.arange(n)
    closes[-1] = closes[-2] * 1.04
    volumes = np.full(n, 1_000_000.0)
    volumes[-1] = 5_000_000
    _store(engine, "AAPL", closes, volumes)
    # A slide for MSFT: RSI falls below 30 only on the last session.
    slide = np.concatenate(
        [100 + np.sin(np.arange(n - 6)) * 2, 100 - np.cumsum([0.5, 0.6, 0.8, 1.0, 1.2, 8.0])]
    )
    _store(engine, "MSFT", slide, np.full(n, 1_000_000.0))
    as_of = SESSIONS[-1]
    with engine.connect() as conn:
        msft = daily_figures(conn, "MSFT", as_of)
    assert msft[0].metrics["rsi_below"] > 30 > msft[1].metrics["rsi_below"]  # the crossing is on as_of

    with engine.begin() as conn:
        for symbol, kind, value in [
            ("AAPL", "high_52w", None),
            ("AAPL", "rvol", 3.0),
            ("AAPL", "golden_cross", None),  # SMA 50 has been above SMA 200 all along: no crossing
            ("MSFT", "rsi_below", None),  # the default level, 30
            ("MSFT", "low_52w", None),
        ]:
            rules.add(conn, symbol=symbol, kind=kind, value=value, channels=CHANNELS)
    now = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    fired = check_daily(engine, CHANNELS, app_url=None, as_of=as_of, now=now)
    lines = sorted(f.message.splitlines()[0] for f in fired)
    assert [line.split(" — ")[0] for line in lines] == [
        "AAPL closed at a new 52-week high",
        "AAPL traded 5.0× its 20-day average volume (alert at 3×)",
        "MSFT RSI 14 crossed below 30",
        "MSFT closed at a new 52-week low",
    ]
    assert all(line.endswith(f"on {as_of}") or f"on {as_of} " in line for line in lines)
    assert check_daily(engine, CHANNELS, app_url=None, as_of=as_of, now=now) == []  # run again: nothing
    with engine.connect() as conn:
        assert len(conn.execute(select(alert_firings.c.id)).all()) == 4
