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
from stockdash.web.chart import options
from stockdash.web.chart.controls import single_only_controls
from stockdash.web.chart.periods import period_start
from stockdash.web.movers import callbacks as movers_callbacks
from stockdash.web.movers import figures as movers_figures
from stockdash.web.view import DEFAULT_SYMBOL
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

# No `ind`, `interval`, `basis`, `chart`, `horizon` or `group` in the link.
DEFAULT_OPTIONS = options.parse({}) | {"chart_type": "candles", "horizon": "1d", "group": "sp500"}


def test_query_round_trip():
    view = {
        "symbol": "MSFT",
        "compare": ["AAPL", "SPY"],
        "period": "5Y",
        "start": None,
        "end": None,
        "watch": None,
        **DEFAULT_OPTIONS,
    }
    query = urlstate.format_query(view)
    assert query == "?symbol=MSFT&period=5Y&compare=AAPL,SPY"
    assert urlstate.parse_query(query) == view | {"notes": [], "watch": None}
    watched = view | {"period": "1D", "watch": ["TSLA", "BTC-USD"]}
    assert urlstate.format_query(watched) == "?symbol=MSFT&period=1D&compare=AAPL,SPY&watch=TSLA,BTC-USD"
    assert urlstate.parse_query(urlstate.format_query(watched)) == watched | {"notes": []}


def test_query_with_dates_is_a_custom_range():
    view = urlstate.parse_query("?symbol=msft&start=2025-01-02&end=2025-03-31")
    assert view == {
        "symbol": "MSFT",
        "compare": [],
        "period": "custom",
        "start": "2025-01-02",
        "end": "2025-03-31",
        "notes": [],
        "watch": None,
        **DEFAULT_OPTIONS,
    }
    assert urlstate.format_query(view) == "?symbol=MSFT&start=2025-01-02&end=2025-03-31"


def test_bad_query_parts_fall_back_and_are_named():
    view = urlstate.parse_query("?period=2W&compare=AAPL,$$,MSFT,aapl,A,B,C,D,E&start=yesterday")
    assert view["symbol"] == DEFAULT_SYMBOL
    assert view["period"] == "1Y"
    assert view["compare"] == ["MSFT", "A", "B", "C", "D"]  # no repeats, no main symbol, at most 5
    assert view["start"] is None
    notes = " ".join(view["notes"])
    assert "'$$' is not a valid ticker symbol" in notes  # never dropped silently
    assert "up to 5 tickers: E left out" in notes
    assert "Unknown period '2W'" in notes and "start date 'yesterday' is not a date" in notes


def test_seven_tickers_in_a_link_say_up_to_five():
    view = urlstate.parse_query("?symbol=AAPL&compare=MSFT,NVDA,AMZN,GOOGL,META,TSLA,JPM")
    assert view["compare"] == ["MSFT", "NVDA", "AMZN", "GOOGL", "META"]
    assert view["notes"] == ["Compare takes up to 5 tickers: TSLA, JPM left out."]


def test_a_former_symbol_opens_what_it_became():
    view = urlstate.parse_query("?symbol=FB&compare=ANTM,ATVI")
    assert view["symbol"] == "META"
    assert view["compare"] == ["ELV"]
    notes = " ".join(view["notes"])
    assert "FB is now META" in notes and "ANTM is now ELV" in notes
    assert "ATVI is no longer listed (acquired by Microsoft in 2023)" in notes


SYNC_OUT = ("url", "ticker", "ticker_options", "compare", "compare_options", "period", "start", "end", "view")


def sync(trigger, query="", shown=None, **kw) -> dict:
    """urlstate.sync's answer, by output name."""
    args = dict(ticker=None, compare=None, period=None, start=None, end=None) | kw
    out = urlstate.sync(
        trigger, query, args["ticker"], args["compare"], args["period"], args["start"], args["end"], shown
    )
    return dict(zip(SYNC_OUT, out, strict=True))


def values(options: list[dict]) -> list[str]:
    return [o["value"] for o in options]


def test_a_link_sets_every_control_with_options_holding_its_values():
    out = sync(None, "?symbol=HRL&period=6M&compare=PLD,XOM")
    assert out["url"] is no_update  # reading the URL never pushes a history entry
    assert (out["ticker"], out["compare"], out["period"]) == ("HRL", ["PLD", "XOM"], "6M")
    assert (out["start"], out["end"]) == (None, None)
    # The boxes drop a value their options lack: the options always hold what is charted.
    assert "HRL" in values(out["ticker_options"])
    assert {"PLD", "XOM"} <= set(values(out["compare_options"]))
    assert out["view"]["symbol"] == "HRL"
    out = sync(ids.URL, "?symbol=KO&start=2025-01-02", shown=out["view"])
    assert (out["ticker"], out["period"], out["start"], out["end"]) == ("KO", None, "2025-01-02", None)


def test_a_url_already_shown_changes_nothing():
    shown = urlstate.parse_query("?symbol=XOM&compare=CVX")
    with pytest.raises(PreventUpdate):  # the layout drew this view from the link already
        sync(None, "?symbol=XOM&compare=CVX", shown=shown)
    with pytest.raises(PreventUpdate):  # the location has not reported yet
        sync(None, None, shown=shown)


def test_picking_a_ticker_pushes_the_url_and_keeps_it_in_the_options():
    out = sync(ids.TICKER, "?symbol=AAPL&period=3M", ticker="ZTS")
    assert out["url"] == "?symbol=ZTS&period=3M"
    assert out["view"]["symbol"] == "ZTS"
    assert "ZTS" in values(out["ticker_options"])  # a clicked mover is in no search result
    out = sync(ids.TICKER, "?symbol=AAPL", ticker="FB")
    assert (out["ticker"], out["view"]["symbol"]) == ("META", "META")
    with pytest.raises(PreventUpdate):
        sync(ids.TICKER, "?symbol=AAPL", ticker=["not", "text"])


def test_period_button_clears_the_date_range():
    out = sync(ids.PERIOD, "?symbol=MSFT&start=2025-01-02", period="5Y")
    assert out["url"] == "?symbol=MSFT&period=5Y"
    assert (out["period"], out["start"], out["end"]) == (no_update, None, None)


def test_date_range_becomes_custom_period():
    out = sync(ids.DATES, "?symbol=MSFT&period=1Y", start="2025-01-02", end="2025-06-30")
    assert out["url"] == "?symbol=MSFT&start=2025-01-02&end=2025-06-30"
    assert out["period"] is None
    out = sync(ids.DATES, "?symbol=MSFT&period=1Y", start="2025-01-02")  # one end typed so far
    assert out["url"] == "?symbol=MSFT&start=2025-01-02"


def test_compare_is_capped_at_five_and_never_the_main_symbol():
    out = sync(ids.COMPARE, "?symbol=MSFT", compare=["A", "B", "C", "D", "E", "F"])
    assert out["compare"] == ["A", "B", "C", "D", "E"]
    assert out["url"].endswith("compare=A,B,C,D,E")
    assert out["view"]["notes"] == ["Compare takes up to 5 tickers: F left out."]
    assert set(values(out["compare_options"])) >= {"A", "B", "C", "D", "E"}
    out = sync(ids.TICKER, "?symbol=MSFT&compare=AAPL,SPY", ticker="AAPL")
    assert out["compare"] == ["SPY"]
    out = sync(ids.COMPARE, "?symbol=MSFT", compare=["MSFT", "KO"])
    assert (out["url"], out["compare"]) == ("?symbol=MSFT&period=1Y&compare=KO", ["KO"])  # box = chart


def test_compare_mode_turns_off_what_does_not_apply():
    types, overlays, hint = single_only_controls({"symbol": "AAPL", "compare": ["MSFT"]})
    assert all(o["disabled"] for o in types + overlays)
    assert "apply to one ticker" in hint
    types, overlays, hint = single_only_controls({"symbol": "AAPL", "compare": []})
    assert not any(o["disabled"] for o in types + overlays) and hint == ""


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
    assert href == f"/api/history/MSFT?format=csv&start={start.isoformat()}&indicators=sma50,sma200"


def test_line_log_and_band(demo_url):
    services = services_for(demo_url)
    figure, *_ = chart_callbacks.chart(
        services, {"symbol": "AAPL", "period": "6M"}, "line", ["band", "log", "sma20"]
    )
    names = [t["name"] for t in figure["data"]]
    assert names[:2] == ["52-wk low", "52-wk range"] and "AAPL" in names and "SMA 20" in names
    assert figure["layout"]["yaxis"]["type"] == "log"
    assert all(t["type"] != "candlestick" for t in figure["data"])


def test_hover_shows_cents_and_volume_and_the_legend_keeps_its_order(demo_url):
    services = services_for(demo_url)
    bars = stored(demo_url, "AAPL")
    orders = []
    for overlays in ([], ["sma50"], ["band", "sma200", "sma20"], ["sma20", "sma50", "sma200", "band"]):
        figure, *_ = chart_callbacks.chart(services, {"symbol": "AAPL", "period": "1Y"}, "candles", overlays)
        candles = trace(figure, "candlestick")
        assert (
            "%{close:,.2f}" in candles["hovertemplate"] and "%{customdata:,.0f}" in candles["hovertemplate"]
        )
        assert candles["customdata"][-1] == int(bars["volume"].iloc[-1])
        ranked = sorted((t for t in figure["data"] if t.get("showlegend", True) and t["type"] != "bar"),
                        key=lambda t: t["legendrank"])  # fmt: skip
        orders.append([t["name"] for t in ranked])
    assert orders[-1] == ["AAPL", "SMA 20", "SMA 50", "SMA 200", "52-wk range"]
    for order in orders:  # each legend is the full one with some entries missing, never reordered
        assert order == [n for n in orders[-1] if n in order]
    figure, *_ = chart_callbacks.chart(services, {"symbol": "AAPL", "period": "1Y"}, "line", [])
    line = trace(figure, "scatter")
    assert "%{y:,.2f}" in line["hovertemplate"] and line["customdata"][-1] == int(bars["volume"].iloc[-1])


def test_link_notes_unknown_compare_tickers_and_csv_of_every_compared_ticker(demo_url):
    services = services_for(demo_url, provider=UnknownProvider())
    view = urlstate.parse_query("?symbol=AAPL&period=3M&compare=MSFT,$$$,ZZZZ")
    figure, header, notice, href = chart_callbacks.chart(services, view, "candles", [])
    assert [t["name"] for t in figure["data"] if t["type"] == "scatter"] == ["AAPL", "MSFT"]
    text = text_of(notice)
    assert "'$$$' is not a valid ticker symbol" in text  # named, never dropped silently
    assert "No prices for ZZZZ" in text
    assert href.startswith("/api/history?symbols=AAPL,MSFT&format=csv&start=")


def test_a_delisted_symbol_is_said_so_not_charted(demo_url):
    figure, header, notice, href = chart_callbacks.chart(
        services_for(demo_url, provider=DemoProvider()), urlstate.parse_query("?symbol=ATVI"), "candles", []
    )
    assert figure["data"] == [] and href is None
    assert "ATVI is no longer listed (acquired by Microsoft in 2023)" in text_of(notice)
    assert stored(demo_url, "ATVI").empty  # no invented prices


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
    assert figure["layout"]["annotations"][0]["text"] == chart_callbacks.NOTHING_TO_CHART
    assert "not a valid ticker symbol" in text_of(notice)  # said once, above the chart
    assert href is None  # nothing to download: the button is off, never a page's HTML


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


def test_movers_card_parts_mount_tables_with_phone_columns(demo_url):
    as_of, notice, body = movers_callbacks.movers_card_parts(
        services_for(demo_url), "1d", "sp500", {"narrow": True}
    )
    grids = {}

    def walk(node):
        for child in node if isinstance(node, list) else [getattr(node, "children", None)]:
            if child is None or isinstance(child, str):
                continue
            if getattr(child, "id", None) in (ids.GAINERS, ids.LOSERS):
                grids[child.id] = child
            walk(child)

    walk(body)
    assert set(grids) == {ids.GAINERS, ids.LOSERS} and len(grids[ids.GAINERS].rowData) == 10
    shown = [c["field"] for c in grids[ids.GAINERS].columnDefs if not c["hide"]]
    assert shown == ["symbol", "close", "pct_change"]
    _, _, body = movers_callbacks.movers_card_parts(services_for(demo_url), "1d", "sp500", None)
    assert "name" in str(body) and "hide': True" not in str(body)


def test_movers_other_horizon_and_group(demo_url):
    gainers, losers, as_of, _, treemap = movers_callbacks.movers_panel(services_for(demo_url), "1m", "etfs")
    assert "ETFs by category" in treemap["layout"]["title"]["text"]
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
