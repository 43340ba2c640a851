"""The demo walk (deterministic, from the last stored close, U-shaped volume) and pruning of old bars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select, text

from stockdash import store
from stockdash.calendar import NEW_YORK
from stockdash.db import make_engine
from stockdash.live.demo_walk import DemoFeed, last_closes
from stockdash.live.frames import Quote
from stockdash.live.writer import Writer
from stockdash.migrate import upgrade
from stockdash.schema import intraday_bars

DAY = datetime(2026, 11, 24, 0, 0, tzinfo=NEW_YORK)


def walk(feed: DemoFeed, symbol: str) -> list[Quote]:
    start = DAY.replace(hour=9, minute=30)
    return [feed.quote(symbol, start + timedelta(seconds=s)) for s in range(0, 390 * 60, 5)]


def test_demo_walks_from_the_last_stored_close_and_repeats_itself(engine):
    bars = pd.DataFrame(
        {
            "symbol": ["AAPL", "AAPL"],
            "date": [date(2026, 11, 20), date(2026, 11, 23)],
            "open": [200.0, 210.0],
            "high": [201.0, 211.0],
            "low": [199.0, 209.0],
            "close": [200.5, 210.5],
            "adj_close": [200.5, 210.5],
            "volume": [40_000_000, 50_000_000],
        }
    )
    with engine.begin() as conn:
        store.upsert_bars(conn, bars)
        closes = last_closes(conn, ["AAPL", "NOPE"])
    assert closes == {"AAPL": (210.5, 50_000_000.0)}
    one, two = walk(DemoFeed(closes), "AAPL"), walk(DemoFeed(closes), "AAPL")
    assert one == two  # deterministic
    prices = np.array([q.price for q in one])
    assert abs(one[0].price / 210.5 - 1) < 0.01 and one[0].source == "demo"
    day_volatility = np.std(np.diff(np.log(prices))) * np.sqrt(len(prices))
    assert 0.005 < day_volatility < 0.04  # 1-3 % a day, like a large cap
    volumes = np.array([q.day_volume for q in one])
    assert (np.diff(volumes) >= 0).all()
    per_hour = np.diff(volumes[:: 12 * 60])  # 720 samples of 5 seconds: an hour
    assert per_hour[0] > per_hour[len(per_hour) // 2] < per_hour[-1]  # U-shaped: busy bells, quiet noon
    assert 0.5 < volumes[-1] / 50_000_000 < 1.5


def test_prune_drops_bars_older_than_the_keep_days(engine):
    now = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    writer = Writer(engine)
    for days in (0, 6, 8, 30):
        writer.put(Quote("AAPL", now - timedelta(days=days), 100.0, 0, 0, 10, "regular", "stream"))
    writer.flush()
    assert writer.prune(keep_days=7, now=now) == 2
    with engine.connect() as conn:
        left = sorted(m.replace(tzinfo=UTC) for m in conn.execute(select(intraday_bars.c.minute)).scalars())
        assert left == [now - timedelta(days=6), now]
        assert conn.execute(select(func.count()).select_from(intraday_bars)).scalar() == 2


def test_a_full_day_of_50_symbols_stays_under_10_mb_in_postgres(postgres_url):
    engine = make_engine(postgres_url)
    upgrade(engine)
    writer = Writer(engine)
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 04:00 New York
    symbols = [f"SYM{i}" for i in range(50)]
    for minute in range(16 * 60):  # 04:00 to 20:00
        at = start + timedelta(minutes=minute)
        for k, symbol in enumerate(symbols):
            for second in (5,):  # one snapshot a minute fills a row as sixty would
                writer.put(
                    Quote(
                        symbol,
                        at + timedelta(seconds=second),
                        100.0 + k,
                        0.1,
                        0.1,
                        1000 * minute,
                        "regular",
                        "demo",
                    )
                )
        if minute % 120 == 119:
            writer.flush()
    writer.flush()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(intraday_bars)).scalar() == 50 * 960
        size = conn.execute(
            text(
                "SELECT pg_total_relation_size('intraday_bars') + pg_total_relation_size('live_quotes')"
                " + pg_total_relation_size('live_status')"
            )
        ).scalar()
    engine.dispose()
    print(f"a day of 50 symbols: {size / 1024 / 1024:.1f} MB")
    assert size < 10 * 1024 * 1024, f"{size / 1024 / 1024:.1f} MB"
