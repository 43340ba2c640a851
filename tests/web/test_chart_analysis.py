"""The chart's indicators, intervals, price basis and markers, through the chart callback as a function."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import talib
from dash import no_update
from dash.exceptions import PreventUpdate

from stockdash import actions, jobs, store
from stockdash.db import make_engine
from stockdash.providers.base import FetchResult
from stockdash.providers.yahoo import YahooProvider
from stockdash.web import ids, urlstate
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.web.chart import option_controls, options
from stockdash.web.chart.option_controls import OptionValues
from stockdash.web.chart.panes import unpacked
from stockdash.web.view import View
from tests.web.conftest import services_for
from tests.yahoo_replay import recording, yahoo_http_fixture  # noqa: F401

LINK = "?symbol=MSFT&period=1Y&ind=sma50,rsi14,macd,bb20,atr14,ema20,actions&interval=1wk"


def stored(url: str, symbol: str) -> pd.DataFrame:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return store.load_bars(conn, symbol)
    finally:
        engine.dispose()


def named(figure: dict, name: str) -> dict:
    """The trace called `name`, its x as ISO dates and its y as numbers (typed arrays unpacked)."""
    found = dict(next(t for t in figure["data"] if t.get("name") == name))
    if isinstance(found["x"], dict):
        ms = unpacked(found["x"]).astype("int64").astype("datetime64[ms]")
        found["x"] = ms.astype("datetime64[D]").astype("U10").tolist()
    found["y"] = unpacked(found["y"])
    return found


def draw(url: str, query: str, *, chart_type: str = "candles", **kw) -> tuple:
    view = urlstate.parse_query(query)
    return chart_callbacks.chart(services_for(url), view, chart_type, view["overlays"], **kw)


def test_a_link_opens_weekly_candles_with_rsi_macd_bollinger_panes(filled_url):
    figure, _, _, href = draw(filled_url, LINK)
    assert href.startswith("/api/history/MSFT?format=csv&start=")
    assert href.endswith("&indicators=sma50,rsi14,macd,bb20,atr14,ema20&interval=1wk")  # what is drawn
    layout = figure["layout"]
    assert [layout[f"yaxis{i}"]["title"]["text"] for i in (3, 4, 5)] == ["RSI 14", "MACD", "ATR 14"]
    assert all(layout[f"xaxis{i}"]["matches"] == "x" for i in (2, 3, 4, 5))
    assert layout["xaxis5"]["showticklabels"] and not layout["xaxis2"]["showticklabels"]
    assert [s["y0"] for s in layout["shapes"]] == [70, 30] and {s["yref"] for s in layout["shapes"]} == {"y3"}
    domains = [layout[f"yaxis{i}"]["domain"] for i in ("", 2, 3, 4, 5)]
    assert all(upper[0] > lower[1] for upper, lower in zip(domains, domains[1:], strict=False))  # no overlap
    candles = next(t for t in figure["data"] if t["type"] == "candlestick")
    days = pd.to_datetime(pd.Series(candles["x"]))
    assert (days.diff().dt.days.dropna() >= 3).all() and len(days) in range(50, 56)  # a year of weeks
    for name in ("RSI 14", "MACD", "Signal", "Bollinger 20", "BB lower", "EMA 20", "SMA 50"):
        assert len(named(figure, name)["x"]) == len(days)
    assert named(figure, "RSI 14")["yaxis"] == "y3" and named(figure, "MACD hist")["yaxis"] == "y4"
    # RSI on weekly bars: TA-Lib's RSI over every stored week.
    bars = stored(filled_url, "MSFT")
    close = bars.assign(week=pd.to_datetime(bars["date"]).dt.to_period("W")).groupby("week")["close"].last()
    assert named(figure, "RSI 14")["y"][-1] == pytest.approx(
        talib.RSI(close.to_numpy(float), 14)[-1], abs=1e-4
    )


def test_a_date_shows_the_same_values_whatever_the_window(filled_url):
    wide, *_ = draw(filled_url, "?symbol=MSFT&period=Max&ind=rsi14,macd,atr14,ema200,bb20")
    narrow, *_ = draw(filled_url, "?symbol=MSFT&period=1M&ind=rsi14,macd,atr14,ema200,bb20")
    bars = stored(filled_url, "MSFT")
    c, h, low = (bars[k].to_numpy(float) for k in ("close", "high", "low"))
    expected = {
        "RSI 14": talib.RSI(c, 14),
        "MACD": talib.EMA(c, 12) - talib.EMA(c, 26),
        "ATR 14": talib.ATR(h, low, c, 14),
        "EMA 200": talib.EMA(c, 200),
    }
    for name, values in expected.items():
        short, full = named(narrow, name), named(wide, name)
        n = len(short["x"])
        assert 15 <= n <= 25 and list(full["x"][-n:]) == list(short["x"])
        assert list(short["y"]) == list(full["y"][-n:])
        assert not np.isnan(short["y"]).any()
        np.testing.assert_allclose(short["y"], np.round(values[-n:], 4), rtol=1e-6, atol=1e-4)


def test_total_return_draws_adjusted_prices_and_compare_says_which(filled_url):
    figure, *_ = draw(filled_url, "?symbol=MSFT&period=1Y&basis=tr&ind=none")
    bars = stored(filled_url, "MSFT")
    candles = next(t for t in figure["data"] if t["type"] == "candlestick")
    assert candles["close"][-1] == pytest.approx(bars["adj_close"].iloc[-1], abs=1e-4)
    first = bars[bars["date"] == date.fromisoformat(candles["x"][0])].iloc[0]
    assert candles["close"][0] == pytest.approx(first["adj_close"], abs=1e-4)
    assert candles["high"][0] == pytest.approx(first["high"] * first["adj_close"] / first["close"], abs=1e-4)
    assert figure["layout"]["yaxis"]["title"]["text"] == "Total return (USD)"
    _, _, notice, _ = draw(filled_url, "?symbol=MSFT&compare=AAPL&basis=tr&ind=rsi14")
    text = str(notice)
    assert "total return, dividends included" in text and "Indicators and weekly" in text
    price, _, notice, _ = draw(filled_url, "?symbol=MSFT&compare=AAPL")
    assert "price only" in str(notice)
    line = next(t for t in price["data"] if t.get("name") == "MSFT")
    visible = bars[bars["date"] >= date.fromisoformat(line["x"][0])]
    expected = (visible["close"].iloc[-1] / visible["close"].iloc[0] - 1) * 100
    assert line["y"][-1] == pytest.approx(expected, abs=1e-3)


def shortest_gap(figure: dict) -> int:
    """Days between the closest two candles: 1 for daily bars, 3 or more for weekly ones."""
    candles = next(t for t in figure["data"] if t["type"] == "candlestick")
    return int(pd.to_datetime(pd.Series(candles["x"])).diff().dt.days.min())


def test_phone_defaults_long_periods_to_weekly(filled_url):
    for period, weekly in (("5Y", True), ("Max", True), ("1Y", False)):
        figure, *_ = draw(filled_url, f"?symbol=MSFT&period={period}", narrow=True)
        assert (shortest_gap(figure) >= 3) is weekly, period
    assert shortest_gap(draw(filled_url, "?symbol=MSFT&period=5Y")[0]) == 1  # a desktop
    assert shortest_gap(draw(filled_url, "?symbol=MSFT&period=5Y&interval=1d", narrow=True)[0]) == 1  # chosen
    assert options.interval_of("1mo", "Max", narrow=True) == "1mo"


def test_markers_and_the_dividend_yield(filled_url):
    engine = make_engine(filled_url)
    bars = stored(filled_url, "MSFT")
    days = list(bars["date"])
    rows = pd.DataFrame(
        [
            ("MSFT", days[-200], "dividend", 0.5),
            ("MSFT", days[-100], "split", 4.0),
            ("MSFT", days[-10], "dividend", 0.75),
            ("MSFT", days[-600] if len(days) > 600 else days[0], "dividend", 0.4),
        ],
        columns=["symbol", "date", "kind", "value"],
    )
    with engine.begin() as conn:
        conn.execute(actions.corporate_actions.delete().where(actions.corporate_actions.c.symbol == "MSFT"))
        actions.upsert(conn, rows)
    engine.dispose()
    figure, header, *_ = draw(filled_url, "?symbol=MSFT&period=1Y")
    dividends, splits = named(figure, "Dividends"), named(figure, "Splits")
    assert list(dividends["x"]) == [f"{days[-200]}", f"{days[-10]}"] and list(dividends["text"]) == ["D", "D"]
    assert list(dividends["hovertext"]) == ["Dividend 0.5 USD", "Dividend 0.75 USD"]
    assert list(splits["hovertext"]) == ["Split 4:1"] and list(splits["text"]) == ["S"]
    low = bars.set_index("date")["low"]
    assert splits["y"][0] < low[days[-100]]  # under the candle
    ttm = (0.5 + 0.75) / bars["close"].iloc[-1] * 100
    assert f"{ttm:.2f}%" in str(header) and "Dividend yield (TTM)" in str(header)
    off, *_ = draw(filled_url, "?symbol=MSFT&period=1Y&ind=sma50")
    assert not any(t.get("name") in ("Dividends", "Splits") for t in off["data"])


class Refusing:
    name = "yahoo"

    def fetch_daily(self, symbols, *, start, end):
        return FetchResult(failures={s: "offline" for s in symbols})


def test_a_split_day_is_never_a_75_percent_candle(engine, database_url, settings, yahoo_http):
    yahoo = YahooProvider(chunk_size=10, threads=1, retries=0, backoff_base=0.0, timeout=5)
    yahoo_settings = settings.model_copy(update={"provider": "yahoo", "history_years": 1})
    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_PRESPLIT_2020-08-03_2020-08-28"))
    jobs.pull(engine, yahoo, yahoo_settings, symbols=["AAPL"], today=date(2020, 8, 28))
    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_POSTSPLIT_2020-08-03_2020-11-06"))
    assert jobs.pull(engine, yahoo, yahoo_settings, symbols=["AAPL"], today=date(2020, 11, 6)).status == "ok"
    services = services_for(database_url, provider=Refusing())
    for interval in ("1d", "1wk"):
        view = urlstate.parse_query(f"?symbol=AAPL&start=2020-08-03&end=2020-11-06&interval={interval}")
        figure, *_ = chart_callbacks.chart(services, view, "candles", [])
        candles = next(t for t in figure["data"] if t["type"] == "candlestick")
        close = np.asarray(candles["close"], float)
        assert len(close) > 10 and (close[1:] / close[:-1]).min() > 0.85, interval
        assert (np.asarray(candles["low"]) / np.asarray(candles["open"])).min() > 0.85
        split = named(figure, "Splits")
        assert list(split["hovertext"]) == ["Split 4:1"]
        assert split["x"][0] == ("2020-08-31" if interval == "1d" else "2020-08-31")


def test_options_follow_the_url_and_the_controls():
    link = "?symbol=MSFT&period=5Y&ind=sma20,rsi14,macd&interval=1mo&basis=tr"
    view = urlstate.parse_query(link)
    assert (view["overlays"], view["indicators"], view["interval"], view["basis"]) == (
        ["sma20"], ["rsi14", "macd"], "1mo", "tr",
    )  # fmt: skip
    assert urlstate.format_query(view) == "?symbol=MSFT&period=5Y&ind=sma20,rsi14,macd&interval=1mo&basis=tr"
    assert urlstate.parse_query("?ind=bogus,RSI14")["indicators"] == ["rsi14"]
    assert (
        urlstate.parse_query("?ind=none")["overlays"] == []
        and urlstate.parse_query("?interval=2h")["interval"] is None
    )
    # A link (or the back button) sets the controls that differ (the chart type among them).
    defaults = OptionValues(["sma50", "sma200"], ["actions"], None, "price", "candles")
    out = option_controls.sync_options(ids.URL, link + "&chart=line", defaults, None)
    assert out == (no_update, no_update, ["sma20"], ["rsi14", "macd"], "1mo", "tr", "line")
    with pytest.raises(PreventUpdate):
        option_controls.sync_options(
            ids.URL, link, OptionValues(["sma20"], ["rsi14", "macd"], "1mo", "tr", "candles"), view
        )
    # A control writes the URL and the view; the other parameters stay.
    url, new, *rest = option_controls.sync_options(
        ids.INDICATORS, link, OptionValues(["sma20"], ["atr14"], "1mo", "tr", "candles"), view
    )
    assert url == "?symbol=MSFT&period=5Y&ind=sma20,atr14&interval=1mo&basis=tr"
    assert new["indicators"] == ["atr14"] and new["symbol"] == "MSFT" and rest == [no_update] * 5
    url, new, *_ = option_controls.sync_options(
        ids.INTERVAL,
        "?symbol=KO",
        OptionValues(["sma50", "sma200"], ["actions", "x"], "1wk", 5, "bars"),
        None,
    )
    assert url == "?symbol=KO&period=1Y&interval=1wk" and new["basis"] == "price"
    assert new["chart_type"] == "candles"  # an unknown chart type falls back
    url, new, *_ = option_controls.sync_options(
        ids.OVERLAYS, "?symbol=KO", OptionValues([], [], None, "price", "candles"), None
    )
    assert url == "?symbol=KO&period=1Y&ind=none" and urlstate.parse_query(url)["indicators"] == []
    assert View.from_store(new).overlays == () and View.from_store(new).same_chart(View.from_query(url))
    url, new, *_ = option_controls.sync_options(ids.CHART_TYPE, link, OptionValues(*out[2:6], "line"), view)
    assert url == link + "&chart=line" and new["chart_type"] == "line"
    # urlstate's own callback keeps them when the ticker changes.
    moved = urlstate.sync(ids.TICKER, link + "&chart=line", "AAPL", [], "5Y", None, None)
    assert moved.url == "?symbol=AAPL&period=5Y&ind=sma20,rsi14,macd&interval=1mo&basis=tr&chart=line"


def test_vwap_on_minute_bars_starts_again_each_session():
    from datetime import UTC, datetime

    from stockdash.live.shared_reads import MinuteBar
    from stockdash.web.chart.intraday import intraday_figure

    def bar(day: int, minute: int, price: float, volume: int) -> MinuteBar:
        at = datetime(2026, 3, day, 14, 30 + minute, tzinfo=UTC)  # 09:30 New York and after
        return MinuteBar("MSFT", at, open=price, high=price + 1, low=price - 1, close=price, volume=volume)

    rows = [bar(2, 0, 10.0, 100), bar(2, 1, 20.0, 300), bar(3, 0, 50.0, 10)]
    figure = intraday_figure("MSFT", rows, chart_type="candles", days=5, vwap=True)
    vwap = next(t for t in figure["data"] if t["name"] == "VWAP")
    assert vwap["y"] == pytest.approx([10.0, (10 * 100 + 20 * 300) / 400, 50.0])
    plain = intraday_figure("MSFT", rows, chart_type="candles", days=5)
    assert [t["name"] for t in plain["data"]] == ["MSFT", "Volume"]
