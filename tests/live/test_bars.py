"""Minute bars equal an independent aggregation (pandas resample) of the same frames, whatever their order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from stockdash.live.bars import BarBuilder
from stockdash.live.frames import Quote
from stockdash.live.writer import Writer, latest_of
from stockdash.schema import intraday_bars, live_quotes

START = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 09:30 New York


def frames(seed: int, *, symbols=("AAPL", "MSFT"), minutes: int = 12) -> list[Quote]:
    """A frame every ~second-ish per symbol, with repeats, shared times and late arrivals."""
    rng = random.Random(seed)
    out = []
    for symbol in symbols:
        price, volume = 100.0, 1_000_000
        t = START
        while t < START + timedelta(minutes=minutes):
            t += timedelta(milliseconds=rng.choice([0, 500, 1000, 3000]))
            price = round(price + rng.uniform(-0.5, 0.5), 2)
            volume += rng.choice([0, 100, 2500])
            quote = Quote(symbol, t, price, None, None, volume, "regular", "stream")
            out.append(quote)
            if rng.random() < 0.1:
                out.append(quote)  # the same snapshot twice
    rng.shuffle(out[len(out) // 2 :])  # the second half arrives out of order
    return out


def pandas_bars(quotes: list[Quote]) -> pd.DataFrame:
    df = pd.DataFrame(
        [{"symbol": q.symbol, "time": q.time, "price": q.price, "dv": q.day_volume} for q in quotes]
    )
    df["arrival"] = range(len(df))
    df = df.sort_values(["symbol", "time", "arrival"])
    parts = []
    for symbol, group in df.groupby("symbol"):
        r = group.set_index("time").resample("1min")
        bars = pd.DataFrame(
            {
                "open": r["price"].first(),
                "high": r["price"].max(),
                "low": r["price"].min(),
                "close": r["price"].last(),
                "dv_max": r["dv"].max(),
                "dv_min": r["dv"].min(),
            }
        ).dropna(subset=["open"])
        previous = bars["dv_max"].shift(1)
        bars["volume"] = (bars["dv_max"] - previous.fillna(bars["dv_min"])).astype("int64")
        bars["symbol"] = symbol
        parts.append(bars.reset_index().rename(columns={"time": "minute"}))
    out = pd.concat(parts)[["symbol", "minute", "open", "high", "low", "close", "volume"]]
    return out.sort_values(["symbol", "minute"]).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_builder_matches_pandas_in_one_batch_or_many(seed):
    quotes = frames(seed)
    expected = pandas_bars(quotes)
    for batch in (len(quotes), 7):
        builder, got = BarBuilder(), {}
        for i in range(0, len(quotes), batch):
            for quote in quotes[i : i + batch]:
                builder.add(quote)
            for symbol, minute, bar in builder.take_dirty():
                got[(symbol, minute)] = (bar.open, bar.high, bar.low, bar.close, bar.volume)
        frame = pd.DataFrame(
            [(s, m, *v) for (s, m), v in sorted(got.items())],
            columns=["symbol", "minute", "open", "high", "low", "close", "volume"],
        )
        pd.testing.assert_frame_equal(frame, expected, check_dtype=False)


def test_stored_bars_and_latest_quotes_match_pandas(engine):
    quotes = frames(7)
    writer = Writer(engine)
    for i, quote in enumerate(quotes):
        writer.put(quote)
        if i % 50 == 0:
            writer.flush()  # about once a second in production; any split must give the same rows
    writer.flush()
    with engine.connect() as conn:
        stored = pd.DataFrame(
            conn.execute(
                select(
                    intraday_bars.c.symbol,
                    intraday_bars.c.minute,
                    intraday_bars.c.open,
                    intraday_bars.c.high,
                    intraday_bars.c.low,
                    intraday_bars.c.close,
                    intraday_bars.c.volume,
                ).order_by(intraday_bars.c.symbol, intraday_bars.c.minute)
            ).all()
        )
        latest = {r.symbol: (r.time.replace(tzinfo=UTC), r.price) for r in conn.execute(select(live_quotes))}
    stored["minute"] = pd.to_datetime(stored["minute"], utc=True)
    expected = pandas_bars(quotes)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    truth = {q.symbol: (q.time, q.price) for q in latest_of(quotes)}
    assert latest == truth


def test_latest_quote_is_the_greatest_time_and_a_tie_goes_to_the_later_arrival(engine):
    t = START
    writer = Writer(engine)
    writer.put(Quote("AAPL", t + timedelta(seconds=5), 101.0, 1, 1, 10, "regular", "stream"))
    writer.put(Quote("AAPL", t, 99.0, 1, 1, 5, "regular", "stream"))  # old: kept in the bar, not latest
    writer.flush()
    writer.put(Quote("AAPL", t + timedelta(seconds=1), 98.0, 1, 1, 6, "regular", "stream"))
    writer.flush()
    with engine.connect() as conn:
        assert conn.execute(select(live_quotes.c.price)).scalar_one() == 101.0
        bar = conn.execute(select(intraday_bars)).one()
    assert (bar.open, bar.high, bar.low, bar.close) == (99.0, 101.0, 98.0, 101.0)
    writer.put(Quote("AAPL", t + timedelta(seconds=5), 102.0, 1, 1, 11, "regular", "stream"))  # same time
    writer.flush()
    with engine.connect() as conn:
        assert conn.execute(select(live_quotes.c.price)).scalar_one() == 102.0


def test_volume_continues_after_a_restart(engine):
    first = Writer(engine)
    first.put(Quote("AAPL", START, 100.0, 0, 0, 1000, "regular", "stream"))
    first.put(Quote("AAPL", START + timedelta(seconds=30), 100.5, 0, 0, 1500, "regular", "stream"))
    first.flush()
    again = Writer(engine)  # a new process: it reads the stored day volume back
    again.put(Quote("AAPL", START + timedelta(minutes=1, seconds=5), 101.0, 0, 0, 2300, "regular", "stream"))
    again.flush()
    with engine.connect() as conn:
        volumes = [r.volume for r in conn.execute(select(intraday_bars).order_by(intraday_bars.c.minute))]
    assert volumes == [500, 800]
