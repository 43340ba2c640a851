"""Callbacks as plain functions (no browser): URL state, chart data path, movers, failures."""

from __future__ import annotations

import time
from datetime import date

import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

from stockdash import reads, store
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.base import FetchResult, ProviderError
from stockdash.providers.demo import DemoProvider
from stockdash.web import fetch, ids, page, urlstate
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.web.chart import figures as chart_figures
from stockdash.web.chart.periods import period_start
from stockdash.web.movers import callbacks as movers_callbacks
from stockdash.web.movers import figures as movers_figures
from tests.web.conftest import services_for

DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"  # nothing listens on port 1


def text_of(component) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def stored(url: str, symbol: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return store.load_bars(conn, symbol)
    finally:
        engine.dispose()


class FailingProvider:
    name = "demo"

    def fetch_daily(self, symbols, *, start, end):
        raise ProviderError("HTTP 429 Too Many Requests")


class UnknownProvider:
    name = "demo"

    def fetch_daily(self, symbols, *, start, end):
        return FetchResult(failures={s: "possibly delisted; no price data found" for s in symbols})


class SlowProvider:
    name = "demo"

    def fetch_daily(self, symbols, *, start, end):
        time.sleep(3)
        return FetchResult()


# --- URL state ---------------------------------------------------------------------------------


def test_query_round_trip():
    view = {
        "symbol": "MSFT",
        "compare": ["AAPL", "SPY"],
        "period": "5Y",
        "start": None,
        "end": None,
        "watch": None,
    }
    query = urlstate.format_query(view)
    assert query == "?symbol=MSFT&period=5Y&compare=AAPL,SPY"
    assert urlstate.parse_query(query) == view
    watched = view | {"period": "1D", "watch": ["TSLA", "BTC-USD"]}
    assert urlstate.format_query(watched) == "?symbol=MSFT&period=1D&compare=AAPL,SPY&watch=TSLA,BTC-USD"
    assert urlstate.parse_query(urlstate.format_query(watched)) == watched


def test_query_with_dates_is_a_custom_range():
    view = urlstate.parse_query("?symbol=msft&start=2025-01-02&end=2025-03-31")
    assert view == {
        "symbol": "MSFT",
        "compare": [],
        "period": "custom",
        "start": "2025-01-02",
        "end": "2025-03-31",
        "watch": None,
    }
    assert urlstate.format_query(view) == "?symbol=MSFT&start=2025-01-02&end=2025-03-31"


def test_bad_query_parts_fall_back():
    view = urlstate.parse_query("?period=2W&compare=AAPL,$$,MSFT,aapl,A,B,C,D,E&start=yesterday")
    assert view["symbol"] == urlstate.DEFAULT_SYMBOL
    assert view["period"] == "1Y"
    assert view["compare"] == ["MSFT", "A", "B", "C", "D"]  # no repeats, no main symbol, at most 5
    assert view["start"] is None


def sync(trigger, query="", **kw):
    args = dict(ticker=None, compare=None, period=None, start=None, end=None, g=None, l=None, t=None)
    args.update(kw)
    return urlstate.sync(
        trigger, query, args["ticker"], args["compare"], args["period"], args["start"], args["end"],
        args["g"], args["l"], args["t"],
    )  # fmt: skip


def test_page_load_and_back_button_set_controls_from_url():
    url, ticker, compare, period, start, end, view = sync(None, "?symbol=MSFT&period=6M&compare=SPY")
    assert url is no_update  # reading the URL never pushes a history entry
    assert (ticker, compare, period, start, end) == ("MSFT", ["SPY"], "6M", None, None)
    assert view["symbol"] == "MSFT"
    _, ticker, _, period, start, end, _ = sync(ids.URL, "?symbol=KO&start=2025-01-02")
    assert (ticker, period, start, end) == ("KO", None, "2025-01-02", None)


def test_picking_a_ticker_pushes_the_url():
    url, *_, view = sync(ids.TICKER, "?symbol=AAPL&period=3M", ticker="MSFT")
    assert url == "?symbol=MSFT&period=3M"
    assert view["symbol"] == "MSFT"


def test_period_button_clears_the_date_range():
    url, _, _, period, start, end, view = sync(ids.PERIOD, "?symbol=MSFT&start=2025-01-02", period="5Y")
    assert url == "?symbol=MSFT&period=5Y"
    assert (period, start, end) == (no_update, None, None)


def test_date_range_becomes_custom_period():
    url, _, _, period, *_ = sync(ids.DATES, "?symbol=MSFT&period=1Y", start="2025-01-02", end="2025-06-30")
    assert url == "?symbol=MSFT&start=2025-01-02&end=2025-06-30"
    assert period is None


def test_compare_is_capped_at_five_and_never_the_main_symbol():
    url, _, compare, *_ = sync(ids.COMPARE, "?symbol=MSFT", compare=["A", "B", "C", "D", "E", "F"])
    assert compare == ["A", "B", "C", "D", "E"]
    assert url.endswith("compare=A,B,C,D,E")
    _, _, compare, *_ = sync(ids.TICKER, "?symbol=MSFT&compare=AAPL,SPY", ticker="AAPL")
    assert compare == ["SPY"]
    url, _, compare, *_ = sync(ids.COMPARE, "?symbol=MSFT", compare=["MSFT", "KO"])
    assert (url, compare) == ("?symbol=MSFT&period=1Y&compare=KO", ["KO"])  # the box matches the chart


def test_clicking_a_mover_or_a_tile_charts_it():
    url, ticker, *_ = sync(ids.LOSERS, "?symbol=MSFT", l={"rowId": "KO", "colId": "name"})
    assert (url, ticker) == ("?symbol=KO&period=1Y", "KO")
    url, ticker, *_ = sync(ids.TREEMAP, "?symbol=MSFT", t={"points": [{"id": "t:NVDA", "label": "NVDA"}]})
    assert ticker == "NVDA"
    with pytest.raises(PreventUpdate):  # a sector tile zooms in instead
        sync(ids.TREEMAP, "?symbol=MSFT", t={"points": [{"id": "s:Energy"}]})


# --- chart -------------------------------------------------------------------------------------


def trace(figure: dict, kind: str) -> dict:
    return next(t for t in figure["data"] if t["type"] == kind)


def test_chart_plots_stored_bars_with_header(filled_url):
    services = services_for(filled_url)
    view = urlstate.parse_query("?symbol=MSFT&period=1Y")
    figure, header, notice, href = chart_callbacks.chart(services, view, "candles", ["sma50", "sma200"])
    bars = stored(filled_url, "MSFT")
    last = bars["date"].iloc[-1]
    start = period_start("1Y", last)
    expected = bars[bars["date"] >= start]
    candles = trace(figure, "candlestick")
    assert len(candles["x"]) == len(expected) > 200
    assert candles["close"][-1] == pytest.approx(expected["close"].iloc[-1], abs=1e-4)
    assert {t["name"] for t in figure["data"]} >= {"MSFT", "SMA 50", "SMA 200"}
    assert None not in trace(figure, "scatter")["y"][-5:]  # SMA warm-up loaded: filled to the end
    text = text_of(header)
    assert f"{expected['close'].iloc[-1]:,.2f}" in text
    assert "52-week range" in text and f"{last:%d %b %Y}" in text
    assert text_of(notice) == ""
    assert href == f"/api/history/MSFT?format=csv&start={start.isoformat()}"


def test_line_log_and_band(demo_url):
    services = services_for(demo_url)
    figure, *_ = chart_callbacks.chart(
        services, {"symbol": "AAPL", "period": "6M"}, "line", ["band", "log", "sma20"]
    )
    names = [t["name"] for t in figure["data"]]
    assert names[:2] == ["52-wk low", "52-wk range"] and "AAPL" in names and "SMA 20" in names
    assert figure["layout"]["yaxis"]["type"] == "log"
    assert all(t["type"] != "candlestick" for t in figure["data"])


def test_compare_rebases_to_first_visible_day(demo_url):
    services = services_for(demo_url)
    view = urlstate.parse_query("?symbol=MSFT&period=3M&compare=AAPL,SPY")
    figure, _, notice, _ = chart_callbacks.chart(services, view, "candles", [])
    lines = [t for t in figure["data"] if t["type"] == "scatter"]
    assert [t["name"] for t in lines] == ["MSFT", "AAPL", "SPY"]
    assert all(t["y"][0] == 0 for t in lines)
    assert "% change from" in text_of(notice)


def test_custom_range_even_when_inverted(demo_url):
    services = services_for(demo_url)
    view = {"symbol": "MSFT", "period": "custom", "start": "2026-03-31", "end": "2026-01-02"}
    figure, *_ = chart_callbacks.chart(services, view, "candles", [])
    x = trace(figure, "candlestick")["x"]
    assert x[0] >= "2026-01-02" and x[-1] <= "2026-03-31"


def test_invalid_symbol_is_a_plain_message(demo_url):
    figure, header, notice, href = chart_callbacks.chart(
        services_for(demo_url), {"symbol": "$$$"}, "candles", []
    )
    assert figure["data"] == []
    assert "not a valid ticker symbol" in figure["layout"]["annotations"][0]["text"]
    assert "not a valid ticker symbol" in text_of(notice)
    assert href == "#"


def test_missing_symbol_is_fetched_stored_and_shown(demo_url):
    services = services_for(demo_url, provider=DemoProvider())
    assert stored(demo_url, "F").empty
    figure, header, notice, _ = chart_callbacks.chart(
        services, {"symbol": "F", "period": "1M"}, "candles", []
    )
    assert len(trace(figure, "candlestick")["x"]) > 15
    assert not stored(demo_url, "F").empty
    assert "Ford" in text_of(header)


def test_unknown_symbol_says_so(demo_url):
    services = services_for(demo_url, provider=UnknownProvider())
    figure, _, notice, _ = chart_callbacks.chart(services, {"symbol": "ZZZZ"}, "candles", [])
    assert figure["data"] == []
    assert "No prices for ZZZZ" in text_of(notice) and "possibly delisted" in text_of(notice)


def test_provider_down_shows_stored_bars_with_as_of_notice(demo_url, monkeypatch):
    # Pretend a week passed: the stored bars are stale and the provider fails.
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)
    services = services_for(demo_url, provider=FailingProvider())
    figure, _, notice, _ = chart_callbacks.chart(services, {"symbol": "MSFT", "period": "1M"}, "candles", [])
    assert len(trace(figure, "candlestick")["x"]) > 15
    text = text_of(notice)
    last = stored(demo_url, "MSFT")["date"].iloc[-1]
    assert f"Showing stored prices as of {last:%d %b %Y}" in text and "did not answer" in text


def test_slow_provider_is_cut_off(demo_url, monkeypatch):
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)
    services = services_for(demo_url, provider=SlowProvider())
    started = time.monotonic()
    reasons = fetch.refresh(services, ["MSFT"], budget=0.5)
    assert time.monotonic() - started < 2
    assert "slow to answer" in reasons["MSFT"]


def test_failed_symbol_is_not_asked_again_at_once(demo_url, monkeypatch):
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)
    calls = []

    class Counting(FailingProvider):
        def fetch_daily(self, symbols, **kw):
            calls.append(symbols)
            return super().fetch_daily(symbols, **kw)

    services = services_for(demo_url, provider=Counting())
    fetch.refresh(services, ["MSFT"])
    fetch.refresh(services, ["MSFT"])
    assert len(calls) == 1


def test_slow_provider_costs_one_wait_not_one_per_view(demo_url, monkeypatch):
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)
    calls = []

    class Slow(SlowProvider):
        def fetch_daily(self, symbols, **kw):
            calls.append(symbols)
            return super().fetch_daily(symbols, **kw)

    services = services_for(demo_url, provider=Slow())
    assert "slow to answer" in fetch.refresh(services, ["MSFT"], budget=0.3)["MSFT"]
    started = time.monotonic()
    assert fetch.refresh(services, ["MSFT"], budget=0.3) == {}  # not sent, not waited for
    assert time.monotonic() - started < 0.2
    assert len(calls) == 1


def test_web_never_claims_an_empty_database_on_a_guess(tmp_path):
    from stockdash import store

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    upgrade(engine)
    services = services_for(url, provider=DemoProvider())
    services.settings = services.settings.model_copy(update={"provider": "auto"})
    figure, _, notice, _ = chart_callbacks.chart(services, {"symbol": "AAPL"}, "candles", [])
    assert "No prices for AAPL" in text_of(notice)
    with engine.connect() as conn:
        assert store.dataset_provider(conn) is None
    engine.dispose()


def test_database_down_is_a_plain_message():
    services = services_for(DOWN_URL)
    figure, _, notice, _ = chart_callbacks.chart(services, {"symbol": "MSFT"}, "candles", [])
    assert "database is not answering" in text_of(notice)
    assert figure["layout"]["annotations"]
    gainers, losers, _, notice, treemap = movers_callbacks.movers_panel(services, "1d", "sp500")
    assert gainers == losers == [] and "database is not answering" in text_of(notice)


def test_stale_rule():
    settings = services_for("sqlite://").settings
    from datetime import UTC, datetime

    friday = date(2026, 11, 20)
    assert not reads.is_stale(
        friday, stale_after_hours=settings.stale_after_hours, now=datetime(2026, 11, 22, 12, tzinfo=UTC)
    )  # Sunday
    assert reads.is_stale(
        friday, stale_after_hours=settings.stale_after_hours, now=datetime(2026, 11, 24, 23, tzinfo=UTC)
    )
    assert reads.is_stale(None, stale_after_hours=settings.stale_after_hours)


# --- movers ------------------------------------------------------------------------------------


def test_movers_tables_and_sector_map(demo_url):
    gainers, losers, as_of, notice, treemap = movers_callbacks.movers_panel(
        services_for(demo_url), "1d", "sp500"
    )
    assert len(gainers) == len(losers) == 10
    assert set(gainers[0]) == {"symbol", "name", "close", "change", "pct_change", "volume"}
    assert (
        gainers[0]["pct_change"]
        >= gainers[-1]["pct_change"]
        > losers[-1]["pct_change"]
        >= losers[0]["pct_change"]
    )
    assert as_of.startswith("As of close") and "S&P 500" in as_of
    tiles = treemap["data"][0]
    assert sum(i.startswith("t:") for i in tiles["ids"]) == 24  # every S&P member in the sample
    assert notice == []


def test_movers_other_horizon_and_group(demo_url):
    gainers, losers, as_of, _, treemap = movers_callbacks.movers_panel(services_for(demo_url), "1m", "etfs")
    assert {r["symbol"] for r in gainers + losers} == {"SPY", "QQQ"}
    assert "ETFs" in as_of and "1 month" in treemap["layout"]["title"]["text"]


def test_movers_bad_selector_falls_back(demo_url):
    gainers, *_ = movers_callbacks.movers_panel(services_for(demo_url), "2d", "nasdaq")
    assert len(gainers) == 10


def test_movers_empty_database(sqlite_url):
    from stockdash.migrate import upgrade

    upgrade(make_engine(sqlite_url))
    gainers, losers, _, notice, treemap = movers_callbacks.movers_panel(
        services_for(sqlite_url), "1d", "sp500"
    )
    assert gainers == [] and "No movers yet" in text_of(notice)
    assert treemap["layout"]["annotations"][0]["text"].startswith("No movers yet")


# --- page --------------------------------------------------------------------------------------


def test_page_shows_demo_badge_and_freshness(demo_url):
    layout = page.page(services_for(demo_url))
    bar = text_of(_find(layout, ids.FRESHNESS))
    assert "Demo data" in bar and "Demo provider" in bar and "Last pull" in bar and "Prices to" in bar


def test_page_renders_with_database_down():
    layout = page.page(services_for(DOWN_URL))
    assert "Database unavailable" in text_of(_find(layout, ids.FRESHNESS))


def _find(component, id_):
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, id_)
            if found is not None:
                return found
    return None


def test_figures_never_blank():
    import pandas as pd

    empty = pd.DataFrame(columns=["date", "open", "high", "low", "close", "adj_close", "volume"])
    assert chart_figures.quote(empty) is None
    fig = movers_figures.treemap_figure(pd.DataFrame(), horizon="1d", title="x")
    assert fig["layout"]["annotations"][0]["text"]


def test_treemap_folds_small_tiles_so_thousands_stay_drawable():
    import numpy as np
    import pandas as pd

    n = 3000
    rows = pd.DataFrame(
        {
            "symbol": [f"S{i}" for i in range(n)],
            "name": [f"Company {i}" for i in range(n)],
            "sector": np.where(np.arange(n) % 3 == 0, "Tech", "Other"),
            "pct_change": np.linspace(-3, 3, n),
            "dollar_volume": np.linspace(1e9, 1e6, n),
        }
    )
    trace = movers_figures.treemap_figure(rows, horizon="1d", title="All tracked")["data"][0]
    tiles = [i for i in trace["ids"] if i.startswith(("t:", "o:"))]
    assert len(tiles) == 2 * movers_figures.MAX_TILES_PER_SECTOR + 2
    assert {i for i in tiles if i.startswith("o:")} == {"o:Tech", "o:Other"}
    # Sizes still add up: the folded tiles carry the rest of each sector.
    assert trace["values"][0] == pytest.approx(rows["dollar_volume"].sum())


def test_weekends_are_hidden_only_for_markets_that_close_on_weekends():
    import pandas as pd

    weekdays = pd.Series(pd.bdate_range("2026-11-02", "2026-11-13"))
    every_day = pd.Series(pd.date_range("2026-11-02", "2026-11-13"))
    for dates, hidden in ((weekdays, True), (every_day, False)):
        layout: dict = {}
        chart_figures._axes(layout, dates, log=False, y_title="Price")
        assert ({"bounds": ["sat", "mon"]} in layout["xaxis"]["rangebreaks"]) is hidden
