"""The markets list (indices, yields, futures, currencies, crypto): shipped, pulled, priced plausibly."""

from datetime import date, datetime

import pytest

from stockdash import jobs
from stockdash import movers as movers_mod
from stockdash.calendar import NEW_YORK
from stockdash.config import Settings
from stockdash.live.demo_walk import DemoFeed
from stockdash.providers import demo_markets
from stockdash.providers.demo import DemoProvider
from stockdash.universe import MARKET_KINDS, catalogue, kind_of, load_group, name_of, resolve

STRIP = ["^GSPC", "^IXIC", "^DJI", "^RUT", "^VIX", "^TNX", "GC=F", "CL=F", "EURUSD=X", "BTC-USD"]
TODAY = date(2026, 11, 20)

# (symbol, lowest, highest): where each has really been in the last decade, roughly.
PLAUSIBLE = [
    ("BTC-USD", 10_000, 200_000),
    ("ETH-USD", 500, 10_000),
    ("EURUSD=X", 0.95, 1.35),
    ("USDJPY=X", 100, 180),
    ("^VIX", 8, 45),
    ("^TNX", 1.5, 6.5),
    ("GC=F", 1_500, 6_000),
    ("CL=F", 30, 130),
    ("^GSPC", 3_000, 10_000),
]


def test_the_markets_group_ships_the_strip_and_more_with_names_and_kinds():
    markets = load_group("markets").set_index("symbol")
    assert set(STRIP) <= set(markets.index)
    more = {"ETH-USD", "SOL-USD", "GBPUSD=X", "USDJPY=X", "SI=F", "NG=F", "ES=F", "NQ=F"}
    assert more <= set(markets.index)
    assert set(markets["kind"]) == MARKET_KINDS
    assert (markets["name"] != markets.index).all() and markets["name"].str.len().gt(2).all()
    assert name_of("BTC-USD") == "Bitcoin" and kind_of("EURUSD=X") == "fx" and kind_of("AAPL") == "stock"
    assert set(markets.index) <= set(catalogue().index)  # chartable and searchable like any share
    assert {"SPY", "QQQ", "DIA", "IWM", "GLD"} <= set(load_group("etfs")["symbol"])  # index ETFs


def test_the_daily_pull_includes_the_markets_by_default():
    symbols = resolve(Settings(_env_file=None).universe)
    assert set(STRIP) <= set(symbols) and "AAPL" in symbols and "SPY" in symbols


def test_every_market_has_demo_prices():
    assert set(load_group("markets")["symbol"]) == set(demo_markets.MARKETS)


@pytest.mark.parametrize(("symbol", "low", "high"), PLAUSIBLE)
def test_demo_markets_stay_at_plausible_levels(symbol, low, high):
    bars = DemoProvider(today=TODAY).fetch_daily([symbol], start=date(2016, 1, 1), end=TODAY).bars
    assert len(bars) > 2_000
    assert low < bars["low"].min() and bars["high"].max() < high
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()


def test_a_future_moves_with_its_index():
    bars = DemoProvider(today=TODAY).fetch_daily(["^GSPC", "ES=F"], start=date(2026, 1, 1), end=TODAY).bars
    close = bars.pivot(index="date", columns="symbol", values="close")
    assert close["ES=F"].pct_change().corr(close["^GSPC"].pct_change()) > 0.99
    assert 0.95 < (close["ES=F"] / close["^GSPC"]).iloc[-1] < 1.05


@pytest.mark.parametrize("symbol", ["BTC-USD", "ETH-USD", "EURUSD=X", "^VIX", "^TNX", "GC=F", "CL=F"])
def test_the_demo_stream_starts_from_the_demo_close_when_none_is_stored(symbol):
    moment = datetime(2026, 11, 20, 3, 0, tzinfo=NEW_YORK)
    previous = (
        DemoProvider(today=date(2026, 11, 19))
        .fetch_daily([symbol], start=date(2026, 11, 10), end=date(2026, 11, 19))
        .bars["close"]
        .iloc[-1]
    )
    quote = DemoFeed({}).quote(symbol, moment)
    assert abs(quote.price / previous - 1) < 0.1
    low, high = next(((lo, hi) for s, lo, hi in PLAUSIBLE if s == symbol), (0, float("inf")))
    assert low < quote.price < high


def test_markets_are_never_movers(engine, settings):
    s = settings.model_copy(update={"history_years": 1})
    jobs.pull(engine, DemoProvider(today=TODAY), s, symbols=["AAPL", "MSFT", "^VIX", "BTC-USD"], today=TODAY)
    assert jobs.compute_movers(engine, as_of=TODAY).status == "ok"
    with engine.connect() as conn:
        snap = movers_mod.read(conn, horizon="1d", group="all")
    assert {r["symbol"] for r in snap["gainers"] + snap["losers"]} == {"AAPL", "MSFT"}
