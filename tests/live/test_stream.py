"""The stream end to end: a local stand-in for Yahoo, yfinance's own client and decoder, our database."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import select

from stockdash.live.service import LiveIngest
from stockdash.live.stream import Upstream
from stockdash.live.writer import read_status
from stockdash.schema import intraday_bars, live_quotes
from tests.harness import wait_for
from tests.live.standin import StandIn, pricing_frame, real_frames

NOW_MS = int(datetime(2026, 11, 24, 15, 0, tzinfo=UTC).timestamp() * 1000)


def quotes(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.symbol: r._asdict() for r in conn.execute(select(live_quotes))}


def ingest_for(engine, settings, url: str, symbols: list[str]) -> LiveIngest:
    settings = settings.model_copy(update={"yahoo_stream_url": url})
    return LiveIngest(engine, settings, source="stream", symbols=symbols, ignore_hours=True)


async def send_real_frames(ws, standin: StandIn) -> None:
    await standin.wait_subscribed()
    for frame in real_frames() + real_frames():  # Yahoo repeats snapshots
        await ws.send(frame)
    await ws.wait_closed()


def test_real_frames_are_stored_as_latest_quotes_and_bars(engine, live_settings):
    with StandIn(send_real_frames) as standin:
        ingest = ingest_for(engine, live_settings, standin.url, ["BTC-USD", "MSFT"])
        ingest.start()
        try:
            got = wait_for(lambda: len(quotes(engine)) == 2 and quotes(engine), what="two quotes")
        finally:
            assert ingest.stop()
    assert standin.subscriptions()[0] == ["BTC-USD", "MSFT"] or set(standin.subscriptions()[0]) == {
        "BTC-USD",
        "MSFT",
    }
    msft, btc = got["MSFT"], got["BTC-USD"]
    assert round(msft["price"], 2) == 177.42 and round(msft["change"], 2) == -3.11
    assert msft["day_volume"] == 10460764 and msft["session"] == "regular" and msft["source"] == "stream"
    assert round(btc["price"], 2) == 94745.08 and btc["day_volume"] == 59712028672
    assert btc["time"].replace(tzinfo=UTC) == datetime(2025, 1, 10, 11, 39, tzinfo=UTC)
    with engine.connect() as conn:
        bars = conn.execute(select(intraday_bars).order_by(intraday_bars.c.symbol)).all()
    # Repeated snapshots make one bar each, with no volume traded between them.
    assert [(b.symbol, b.minute.replace(tzinfo=UTC), b.volume) for b in bars] == [
        ("BTC-USD", datetime(2025, 1, 10, 11, 39, tzinfo=UTC), 0),
        ("MSFT", datetime(2020, 5, 15, 15, 0, tzinfo=UTC), 0),
    ]
    with engine.connect() as conn:
        status = read_status(conn)
    assert status["state"] == "stopped" and status["last_frame_at"] is not None


def test_a_dropped_connection_reconnects_and_subscribes_again(engine, live_settings):
    async def drop_first(ws, standin: StandIn) -> None:
        number = standin.connections
        await standin.wait_subscribed(number)
        price = 100.0 + number
        await ws.send(pricing_frame("AAPL", price=price, time_ms=NOW_MS + number * 1000, market_hours=1))
        if number == 1:
            await ws.close()  # mid-stream
            return
        await ws.wait_closed()

    with StandIn(drop_first) as standin:
        ingest = ingest_for(engine, live_settings, standin.url, ["AAPL"])
        ingest.start()
        try:
            wait_for(
                lambda: quotes(engine).get("AAPL", {}).get("price") == 102.0, what="the second connection"
            )
        finally:
            assert ingest.stop()
    assert standin.connections >= 2
    assert standin.subscriptions()[:2] == [["AAPL"], ["AAPL"]]  # resubscribed on the new connection


def test_a_silent_connection_counts_as_dropped():
    async def silent(ws, standin: StandIn) -> None:
        await standin.wait_subscribed(standin.connections)
        await ws.wait_closed()

    async def run(url: str) -> Upstream:
        upstream = Upstream(
            url,
            symbols=lambda: ["BTC-USD"],
            on_quote=lambda q: None,
            on_state=lambda s, m: None,
            silence_seconds=0.5,
            backoff_initial=0.1,
        )
        task = asyncio.create_task(upstream.run())
        async with asyncio.timeout(15):
            while upstream.connections < 2:
                await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return upstream

    with StandIn(silent) as standin:
        upstream = asyncio.run(run(standin.url))
    assert standin.connections >= 2 and upstream.connections >= 2


def test_garbage_is_logged_once_and_skipped(engine, live_settings, caplog):
    async def garbage(ws, standin: StandIn) -> None:
        await standin.wait_subscribed()
        await ws.send("this is not json")
        await ws.send('{"type":"pricing","message":"!!!not base64!!!"}')
        await ws.send('{"type":"pricing"}')  # a heartbeat: decodes to {}
        await ws.send(pricing_frame("AAPL", price=190.5, time_ms=NOW_MS))  # pre-market: no market_hours
        await ws.wait_closed()

    caplog.set_level(logging.WARNING, logger="stockdash.live")
    with StandIn(garbage) as standin:
        ingest = ingest_for(engine, live_settings, standin.url, ["AAPL"])
        ingest.start()
        try:
            got = wait_for(lambda: quotes(engine).get("AAPL"), what="the good frame after the garbage")
        finally:
            assert ingest.stop()
    assert got["price"] == 190.5 and got["session"] == "pre"
    assert ingest.upstream.undecodable == 2 and standin.connections == 1
    skipped = [r for r in caplog.records if "frame skipped" in r.getMessage()]
    assert len(skipped) == 1
