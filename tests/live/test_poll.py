"""Polling fallback: yfinance's own chart request and parsing, fed recorded Yahoo answers over HTTP."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime

import pytest
import yfinance.cache as yf_cache
from sqlalchemy import select

from stockdash.live.poll import poll_quotes
from stockdash.live.service import LiveIngest
from stockdash.schema import live_quotes
from tests.harness import wait_for
from tests.yahoo_replay import FIXTURES, not_found, rate_limited, recording, yahoo_http_fixture  # noqa: F401

# The real 1-minute answer (AAPL, 2025-02-20 pre-market) has meta but no bars yet.
EMPTY_1M = "AAPL_EMPTY-1m-2025-02-01"
PRE_MARKET_BARS = [1740042000 + 60 * i for i in range(3)]  # 04:00-04:02 New York, 2025-02-20


def with_bars(tmp_path) -> str:
    """The real answer with three pre-market minute bars added (made up, same layout as Yahoo's)."""
    body = json.loads((FIXTURES / f"{EMPTY_1M}.json").read_text())
    result = copy.deepcopy(body)["chart"]["result"][0]
    result["timestamp"] = PRE_MARKET_BARS
    result["indicators"] = {
        "quote": [
            {
                "open": [245.0, 245.2, 245.1],
                "high": [245.3, 245.4, 245.2],
                "low": [244.9, 245.0, 245.0],
                "close": [245.2, 245.1, 245.15],
                "volume": [1200, 800, 500],
            }
        ]
    }
    path = tmp_path / "AAPL_1m.json"
    path.write_text(json.dumps({"chart": {"result": [result], "error": None}}))
    return str(path)


def test_poll_reads_the_regular_price_from_yahoos_meta(yahoo_http):
    yahoo_http.add("AAPL", recording(EMPTY_1M))
    yahoo_http.add("NOPE", not_found())
    yahoo_http.add("MSFT", rate_limited())
    quotes = poll_quotes(["AAPL", "NOPE", "MSFT"], timeout=5)
    assert [q.symbol for q in quotes] == ["AAPL"]
    aapl = quotes[0]
    assert aapl.price == 244.87 and aapl.time == datetime.fromtimestamp(1739998801, UTC)
    assert aapl.change == pytest.approx(244.87 - 244.47) and aapl.day_volume == 32129951
    assert aapl.source == "poll" and aapl.session == "post"  # 16:00:01 New York


def test_the_timezone_cache_is_opened_before_the_parallel_requests(yahoo_http, monkeypatch):
    """yfinance creates its SQLite timezone cache on first use; threads creating it at once get
    "database is locked" (6 to 9 polls in 100 lost a symbol that way), so the poll opens it first."""
    opened_in = []
    initialise = yf_cache._TzCache.initialise

    def recording_thread(cache):
        opened_in.append(threading.current_thread().name)
        return initialise(cache)

    monkeypatch.setattr(yf_cache._TzCache, "initialise", recording_thread)
    for symbol in ("AAPL", "MSFT", "SPY"):
        yahoo_http.add(symbol, recording(EMPTY_1M))
    assert len(poll_quotes(["AAPL", "MSFT", "SPY"], timeout=5)) == 3
    assert opened_in and opened_in[0] == threading.current_thread().name, opened_in


def test_poll_prefers_a_later_pre_market_bar(yahoo_http, tmp_path):
    yahoo_http.add("AAPL", recording(with_bars(tmp_path)))
    (aapl,) = poll_quotes(["AAPL"], timeout=5)
    assert aapl.time > datetime.fromtimestamp(1739998801, UTC)
    assert aapl.session == "pre" and aapl.price == pytest.approx(245.15)


def test_service_polls_when_the_stream_cannot_connect(engine, live_settings, yahoo_http):
    yahoo_http.add("AAPL", recording(EMPTY_1M))
    settings = live_settings.model_copy(
        update={"yahoo_stream_url": "ws://127.0.0.1:1/", "live_fallback_seconds": 1, "quote_seconds": 5}
    )
    ingest = LiveIngest(engine, settings, source="stream", symbols=["AAPL"], ignore_hours=True)
    ingest.start()
    try:
        row = wait_for(
            lambda: _quote(engine, "AAPL"), timeout=20, what="a polled quote while the stream is down"
        )
        assert ingest.status()["state"] == "polling"
    finally:
        assert ingest.stop()
    assert row.source == "poll" and row.price == 244.87
    assert ingest.upstream.connections == 0


def _quote(engine, symbol: str):
    with engine.connect() as conn:
        return conn.execute(select(live_quotes).where(live_quotes.c.symbol == symbol)).first()


def test_poll_reads_the_meta_when_the_yahoo_provider_turned_yfinance_exceptions_on(yahoo_http):
    """The clock pulls with the Yahoo provider in the same process: yfinance then raises on an
    answer with no minute bars, whose meta still holds the price."""
    import yfinance as yf

    hidden = yf.config.debug.hide_exceptions
    yf.config.debug.hide_exceptions = False  # as YahooProvider() sets it
    try:
        yahoo_http.add("AAPL", recording(EMPTY_1M))
        (aapl,) = poll_quotes(["AAPL"], timeout=5)
    finally:
        yf.config.debug.hide_exceptions = hidden
    assert aapl.price == 244.87 and aapl.session == "post"
