"""The markets strip: last close, % change and a chart link per market, read from stored bars only."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from stockdash import store
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.web.markets import layout
from stockdash.web.markets.data import Last, last_closes
from stockdash.web.page import page
from stockdash.web.urlstate import parse_query, query_of


def _bars(symbol: str, closes: list[float], days: list[date]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": symbol,
            "date": days,
            "open": closes,
            "high": closes,
            "low": closes,
            "close": closes,
            "adj_close": closes,
            "volume": 0,
        }
    )


@pytest.fixture
def stored(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    days = [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    with engine.begin() as conn:
        store.upsert_bars(conn, _bars("^GSPC", [6800.0, 6900.0, 6831.0], days))
        store.upsert_bars(conn, _bars("EURUSD=X", [1.16, 1.1712], days[1:]))
        store.upsert_bars(conn, _bars("BTC-USD", [70_000.0], days[2:]))
    yield engine
    engine.dispose()


def test_last_two_closes_per_symbol_in_one_read(stored):
    found = last_closes(stored, ["^GSPC", "EURUSD=X", "BTC-USD", "^VIX"])
    assert found["^GSPC"] == Last("^GSPC", date(2026, 11, 20), 6831.0, 6900.0)
    assert found["^GSPC"].pct_change == pytest.approx(-1.0)
    assert found["EURUSD=X"].previous == 1.16
    assert found["BTC-USD"] == Last("BTC-USD", date(2026, 11, 20), 70_000.0, None)
    assert found["BTC-USD"].pct_change is None
    assert "^VIX" not in found and last_closes(stored, []) == {}


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(6831.0, "", "6,831.00"), (1.17123, "", "1.1712"), (4.0612, "%", "4.06%"), (70_000.5, "", "70,000.50")],
)
def test_prices_read_as_each_market_is_quoted(value, unit, text):
    assert layout.price_text(value, unit) == text


def test_changes_are_signed_and_coloured():
    assert layout.change_text(0.4212) == ("+0.42%", "pos")
    assert layout.change_text(-1.1) == ("−1.10%", "neg")
    assert layout.change_text(0.001) == ("0.00%", "flat")
    assert layout.change_text(None) == ("–", "flat")


def _texts(component) -> list[str]:
    """Every string in a component tree, depth first."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    return [t for child in (children if isinstance(children, list) else [children]) for t in _texts(child)]


def test_the_strip_has_the_ten_markets_each_linking_to_its_chart(stored):
    strip = layout.markets_strip(last_closes(stored, layout.SYMBOLS))
    assert [item.children[0].children for item in strip.children] == [
        "S&P 500", "Nasdaq", "Dow", "Russell", "VIX", "US 10Y", "Gold", "Crude", "EUR/USD", "Bitcoin",
    ]  # fmt: skip
    spx, *_rest, eur, btc = strip.children
    assert _texts(spx) == ["S&P 500", "6,831.00", "−1.00%"] and spx.className == "mkt"
    assert _texts(eur)[1:] == ["1.1712", "+0.97%"] and _texts(btc)[1:] == ["70,000.00", "–"]
    assert "Fri 20 Nov 2026" in spx.title and "S&P 500 (^GSPC)" in spx.title
    vix = strip.children[4]
    assert _texts(vix)[1:] == ["–", "no prices yet"]
    for item, symbol in zip(strip.children, layout.SYMBOLS, strict=True):
        assert parse_query(query_of(item.href))["symbol"] == symbol  # the link charts it


def test_the_page_shows_the_strip_and_leaves_it_out_without_a_database(stored):
    from stockdash.web.services import Services
    from tests.web.conftest import demo_settings

    shown = page(Services(demo_settings(str(stored.url.render_as_string(hide_password=False)))))
    strip = next(c for c in shown.children if getattr(c, "id", None) == layout.ids.MARKETS)
    assert len(strip.children) == 10 and "6,831.00" in _texts(strip)
    static = page(None)
    assert next(c for c in static.children if getattr(c, "id", None) == layout.ids.MARKETS).children == []


@pytest.mark.parametrize(("symbol", "low", "high"), [("BTC-USD", 10_000, 200_000), ("EURUSD=X", 0.9, 1.4)])
def test_a_market_is_charted_in_demo_mode(filled_url, symbol, low, high):
    from stockdash.providers.demo import DemoProvider
    from stockdash.web.chart import callbacks as chart_callbacks
    from tests.web.conftest import services_for

    services = services_for(filled_url, provider=DemoProvider())
    figure, header, notice, href = chart_callbacks.chart(
        services, {"symbol": symbol, "period": "1M"}, "line", []
    )
    (price,) = [t for t in figure["data"] if t.get("name") == symbol]
    assert len(price["y"]) > 15 and low < min(price["y"]) and max(price["y"]) < high
    assert href and symbol in href


def test_the_chart_header_quotes_a_currency_pair_in_four_decimals():
    from datetime import date as day

    from stockdash.web.chart.header import quote_header

    q = {"close": 1.17123, "change": 0.0125, "pct_change": 1.08, "high52": 1.18, "low52": 1.05}
    q |= {"period_pct": 9.17, "as_of": day(2026, 12, 2)}
    parts = quote_header("EURUSD=X", "Euro / US dollar", q, period_label="1Y")
    text = " ".join(t for part in parts for t in _texts(part))
    assert "1.1712" in text and "+0.0125 (+1.08%)" in text and "1.0500" in text
    share = quote_header("AAPL", "Apple Inc.", q | {"close": 192.264, "change": 1.04}, period_label="1Y")
    assert "192.26" in " ".join(_texts(share[1])) and "+1.04 (+1.08%)" in " ".join(_texts(share[1]))
