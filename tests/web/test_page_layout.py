"""The page layout draws only what is stored; a missing or stale linked ticker is fetched by the chart
callback right after (the layout turns on its poll)."""

from __future__ import annotations

from stockdash import reads
from stockdash.web import ids, page, urlstate
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.workers.fetches import FETCHING
from tests.web.conftest import services_for
from tests.web.test_callbacks import _find, text_of, trace
from tests.web.test_fetch_budget import CountingDemo


def test_a_linked_ticker_not_stored_is_fetched_by_the_chart_callback_not_the_layout(filled_url):
    provider = CountingDemo()
    services = services_for(filled_url, provider=provider)
    layout = page.page(services, query="?symbol=KO&period=1Y")
    assert provider.asked == []
    assert _find(layout, ids.FETCH_POLL).disabled is False
    assert text_of(_find(layout, ids.NOTICE)) == f"No prices for KO: {FETCHING}."

    view = urlstate.parse_query("?symbol=KO&period=1Y")
    figure, _, notice, _ = chart_callbacks.chart(services, view, "candles", [])
    assert provider.asked == ["KO"]
    assert len(trace(figure, "candlestick")["x"]) > 200 and text_of(notice) == ""


def test_a_stale_linked_ticker_shows_what_is_stored_and_polls(filled_url, monkeypatch):
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)  # as if a week had passed
    provider = CountingDemo()
    layout = page.page(services_for(filled_url, provider=provider), query="?symbol=MSFT&period=1Y")
    assert provider.asked == []
    assert _find(layout, ids.FETCH_POLL).disabled is False
    assert text_of(_find(layout, ids.NOTICE)).startswith("Showing stored prices as of")


def test_a_fresh_linked_ticker_draws_without_polling(filled_url):
    provider = CountingDemo()
    layout = page.page(services_for(filled_url, provider=provider), query="?symbol=MSFT&period=1Y")
    assert provider.asked == [] and _find(layout, ids.FETCH_POLL).disabled is True


def test_a_link_opens_with_its_controls_as_it_asked(filled_url):
    """Chart type, compare box, movers horizon and group come from the link on the first paint,
    not from the defaults redrawn a moment later."""
    services = services_for(filled_url, provider=CountingDemo())
    layout = page.page(services, query="?symbol=MSFT&period=1Y&chart=line&horizon=1w&group=etfs")
    assert _find(layout, ids.CHART_TYPE).value == "line"
    figure = _find(layout, ids.GRAPH).figure
    assert {t["type"] for t in figure["data"]} & {"candlestick", "ohlc"} == set()
    assert _find(layout, ids.HORIZON).value == "1w" and _find(layout, ids.GROUP).value == "etfs"
    assert _find(layout, ids.COMPARE).disabled is False

    intraday = page.page(services, query="?symbol=MSFT&period=1D&compare=AAPL")
    assert _find(intraday, ids.COMPARE).disabled is True  # compare is off on 1D and 5D
    plain = page.page(services, query="?symbol=MSFT")
    assert _find(plain, ids.CHART_TYPE).value == "candles" and _find(plain, ids.HORIZON).value == "1d"
