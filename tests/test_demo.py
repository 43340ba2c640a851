from datetime import date

import numpy as np
import pandas as pd

from stockdash import calendar
from stockdash.providers.demo import DemoProvider


def test_same_bars_whatever_range_is_asked():
    p = DemoProvider(today=date(2026, 11, 20))
    wide = p.fetch_daily(["MSFT"], start=date(2026, 1, 1), end=date(2026, 11, 20)).bars
    narrow = p.fetch_daily(["MSFT"], start=date(2026, 6, 1), end=date(2026, 6, 30)).bars
    merged = wide.merge(narrow, on=["symbol", "date"], suffixes=("", "_n"))
    assert len(merged) == len(narrow) == len(calendar.sessions(date(2026, 6, 1), date(2026, 6, 30)))
    assert np.allclose(merged["close"], merged["close_n"])


def test_every_day_keeps_its_values_as_the_calendar_grows(monkeypatch):
    """The calendar's last session moves forward daily; old days must not change with it."""
    from stockdash.providers import demo

    full = demo._sessions()
    series = {}
    for cut in (len(full) - 300, len(full)):
        monkeypatch.setattr(demo, "_sessions", lambda cut=cut: full[:cut])
        demo._factor.cache_clear()
        demo._series.cache_clear()
        series[cut] = demo._series("MSFT")
    demo._factor.cache_clear()
    demo._series.cache_clear()
    short, long = series.values()
    pd.testing.assert_frame_equal(short, long.iloc[: len(short)])


def test_bars_are_on_trading_days_up_to_today_and_look_like_prices():
    p = DemoProvider(today=date(2026, 11, 20))
    b = p.fetch_daily(["AAPL", "SPY"], start=date(2026, 11, 1), end=date(2026, 12, 31)).bars
    assert set(b["date"]) == set(calendar.sessions(date(2026, 11, 1), date(2026, 11, 20)))
    assert (b["low"] <= b[["open", "close"]].min(axis=1)).all()
    assert (b["high"] >= b[["open", "close"]].max(axis=1)).all()
    assert (b["adj_close"] <= b["close"] + 1e-9).all() and (b["volume"] > 0).all()


def test_split_is_reported_and_history_is_adjusted_as_of_today():
    before = DemoProvider(today=date(2025, 11, 14)).fetch_daily(
        ["NFLX"], start=date(2025, 11, 10), end=date(2025, 11, 14)
    )
    after = DemoProvider(today=date(2025, 11, 17)).fetch_daily(
        ["NFLX"], start=date(2025, 11, 10), end=date(2025, 11, 17)
    )
    assert before.actions.empty
    split = after.actions[after.actions["kind"] == "split"]
    assert split[["date", "value"]].values.tolist() == [[date(2025, 11, 17), 10.0]]
    old = before.bars.set_index("date")["close"]
    new = after.bars.set_index("date")["close"]
    assert np.allclose(old / new.loc[old.index], 10.0)
    # On today's basis the split day is an ordinary day, not a -90 % crash.
    assert abs(new.iloc[-1] / new.iloc[-2] - 1) < 0.2


def test_unknown_symbol_fails_alone():
    r = DemoProvider(today=date(2026, 11, 20)).fetch_daily(
        ["AAPL", "ZZZZZ"], start=date(2026, 11, 2), end=date(2026, 11, 20)
    )
    assert set(r.bars["symbol"]) == {"AAPL"}
    assert "unknown symbol" in r.failures["ZZZZZ"]


def _dollar_volume(symbols: list[str]) -> dict[str, float]:
    bars = (
        DemoProvider(today=date(2026, 11, 20))
        .fetch_daily(symbols, start=date(2026, 10, 1), end=date(2026, 11, 20))
        .bars
    )
    return (bars["close"] * bars["volume"]).groupby(bars["symbol"]).median().to_dict()


def test_volume_scales_with_company_size():
    """A mega cap trades far more dollars a day than a small listing, so a treemap sized by
    dollar volume shows AAPL's tile large and the movers tables look like a market."""
    mega, member, small = ["AAPL", "MSFT", "NVDA"], ["HRL", "PLD", "CAT"], ["APLE", "BGS", "AA"]
    dv = _dollar_volume(mega + member + small)
    assert min(dv[s] for s in mega) > 2 * max(dv[s] for s in member)
    assert min(dv[s] for s in member) > 3 * max(dv[s] for s in small)
    assert min(dv[s] for s in mega) > 100 * max(dv[s] for s in small)


def test_sp500_dollar_volume_is_led_by_the_largest_companies():
    from stockdash.universe import load_group

    dv = _dollar_volume(list(load_group("sp500")["symbol"]))
    top10 = sorted(dv, key=dv.get, reverse=True)[:10]
    assert {"AAPL", "MSFT", "NVDA"} & set(top10)
    assert sum(dv[s] for s in top10) / sum(dv.values()) > 0.2
