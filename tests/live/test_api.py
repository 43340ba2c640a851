"""GET /api/quotes and /api/intraday/<symbol>: shape, validation, the cap, wants, shared reads."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import select

from stockdash.calendar import NEW_YORK
from stockdash.live import liveset
from stockdash.live.frames import Quote
from stockdash.live.latest import MESSAGES, message
from stockdash.live.shared_reads import LiveReads
from stockdash.live.writer import Writer
from stockdash.schema import live_wanted
from stockdash.web import create_app
from stockdash.web.api import live as live_api
from stockdash.web.chart.intraday import live_price
from stockdash.web.services import Services
from tests.harness import wait_for

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def app_and_reads(engine, live_settings):
    app = Flask(__name__)
    reads = LiveReads(lambda: engine, live_settings)
    app.register_blueprint(live_api.blueprint(reads))
    return app.test_client(), reads


def store_quotes(engine, *quotes: Quote) -> None:
    writer = Writer(engine)
    for one in quotes:
        writer.put(one)
    writer.flush()


def q(symbol: str, price: float, at: datetime = NOW, volume: int = 1000) -> Quote:
    return Quote(symbol, at, price, 1.5, 0.75, volume, "regular", "stream")


def test_quotes_shape(engine, app_and_reads):
    client, _ = app_and_reads
    store_quotes(engine, q("MSFT", 410.25))
    body = client.get("/api/quotes?symbols=msft").get_json()
    assert body["quotes"] == [
        {
            "symbol": "MSFT",
            "price": 410.25,
            "change": 1.5,
            "pct_change": 0.75,
            "time": NOW.isoformat().replace("+00:00", "Z"),
            "session": "regular",
            "day_volume": 1000,
            "source": "stream",
        }
    ]
    assert body["market"]["session"] in ("pre", "regular", "post", "closed")
    assert datetime.fromisoformat(body["market"]["next_open"]) > datetime.now(UTC)
    assert body["not_live"] == []


def test_a_symbol_not_live_is_wanted_and_the_cap_says_full(engine, app_and_reads):
    client, _ = app_and_reads  # watchlist MSFT,BTC-USD; cap 3
    body = client.get("/api/quotes?symbols=AAPL").get_json()
    [answer] = body["not_live"]
    assert answer["symbol"] == "AAPL" and answer["status"] == "pending"
    assert answer["message"] in (MESSAGES["pending"], message("pending", "AAPL", datetime.now(UTC)))
    with engine.connect() as conn:
        assert conn.execute(select(live_wanted.c.symbol)).scalars().all() == ["AAPL"]

    # The next shared read (within a second or so) sees AAPL live: the set is now full.
    def full_answer():
        got = client.get("/api/quotes?symbols=AAPL,NVDA").get_json()["not_live"]
        return got if any(x["status"] == "full" for x in got) else None

    not_live = wait_for(full_answer, timeout=5, what="the live set to fill")
    assert {x["symbol"]: x["status"] for x in not_live} == {"AAPL": "pending", "NVDA": "full"}
    assert [x["message"] for x in not_live if x["symbol"] == "NVDA"] == ["live slots are full"]
    with engine.connect() as conn:  # first come, first served: AAPL holds the last slot
        found = liveset.resolve(
            ["MSFT", "BTC-USD"], liveset.wanted_symbols(conn, now=datetime.now(UTC), minutes=30), cap=3
        )
    assert found.symbols == ["MSFT", "BTC-USD", "AAPL"] and "AAPL" not in found.refused


def test_reads_are_shared_however_many_requests(engine, app_and_reads):
    client, reads = app_and_reads
    store_quotes(engine, q("MSFT", 400.0))
    since = quote((NOW - timedelta(minutes=5)).isoformat())
    before, started = reads.cache.reads, time.monotonic()
    for _ in range(200):
        assert client.get("/api/quotes?symbols=MSFT,BTC-USD").status_code == 200
        assert client.get(f"/api/intraday/MSFT?since={since}").status_code == 200
    seconds = time.monotonic() - started
    # Two keys (the quotes, MSFT's day of bars), each read at most once per second: not 400 reads.
    assert reads.cache.reads - before <= 2 * (seconds / reads.cache.ttl + 1)
    assert reads.cache.reads - before < 40


def test_intraday_json_and_csv(engine, app_and_reads):
    client, _ = app_and_reads
    t0 = NOW.replace(second=0) - timedelta(minutes=3)
    store_quotes(
        engine,
        q("MSFT", 100.0, t0, 1000),
        q("MSFT", 101.0, t0 + timedelta(seconds=30), 1500),
        q("MSFT", 99.0, t0 + timedelta(minutes=1), 1700),
    )
    body = client.get(f"/api/intraday/MSFT?since={(t0 - timedelta(seconds=1)).isoformat()}").get_json()
    assert body["symbol"] == "MSFT" and body["count"] == 2
    assert body["bars"][0] == {
        "time": t0.isoformat().replace("+00:00", "Z"),
        "open": 100.0,
        "high": 101.0,
        "low": 100.0,
        "close": 101.0,
        "volume": 500,
    }
    after = client.get(f"/api/intraday/MSFT?since={t0.isoformat().replace('+00:00', 'Z')}").get_json()
    assert [b["close"] for b in after["bars"]] == [99.0]  # strictly after `since`
    csv = client.get(f"/api/intraday/MSFT?since={(t0 - timedelta(seconds=1)).isoformat()}&format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "time,open,high,low,close,volume" and len(lines) == 3
    assert lines[2].endswith(",99.0,99.0,99.0,99.0,200")


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/quotes", "symbols"),
        ("/api/quotes?symbols=", "symbols"),
        ("/api/quotes?symbols=AA%20PL", "symbols"),
        ("/api/quotes?symbols=" + ",".join(f"S{i}" for i in range(51)), "symbols"),
        ("/api/quotes?symbols=AAPL&symbols=MSFT", "symbols"),
        ("/api/quotes?symbol=AAPL", "symbol"),
        ("/api/intraday/MSFT?since=yesterday", "since"),
        ("/api/intraday/MSFT?since=20260101", "since"),
        ("/api/intraday/MSFT?format=xml", "format"),
        ("/api/intraday/MSFT?start=2026-01-01", "start"),
        ("/api/intraday/%C3%9F", "symbol"),
        ("/api/intraday/" + "A" * 40, "symbol"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(app_and_reads, url, param):
    client, _ = app_and_reads
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["param"] == param and body["error"]


def test_the_dash_server_serves_the_live_api(engine, live_settings):
    server = create_app(live_settings).server
    store_quotes(engine, q("MSFT", 411.0))
    client = server.test_client()
    assert client.get("/api/quotes?symbols=MSFT").get_json()["quotes"][0]["price"] == 411.0
    assert client.get("/api/quotes?symbols=%%%").status_code == 400


def test_the_chart_header_shows_the_live_price_of_the_same_shared_snapshot(engine, live_settings):
    store_quotes(engine, q("BTC-USD", 91000.0))  # crypto trades at any hour: no session to wait for
    daily = {"close": 90000.0, "change": -20.0, "pct_change": -0.02, "volume": 5}
    figures, label = live_price(Services(live_settings), "BTC-USD", daily, now=NOW)
    assert figures == daily | {"close": 91000.0, "change": 1.5, "pct_change": 0.75}
    assert label == f"Live · {NOW.astimezone(NEW_YORK):%H:%M:%S} ET"
    assert live_price(Services(live_settings), "ETH-USD", daily, now=NOW) == (daily, None)  # no quote
