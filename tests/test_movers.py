"""Stored movers snapshots against an independent pandas computation over the same bars."""

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from stockdash import jobs, store
from stockdash import movers as movers_mod
from stockdash.providers.demo import DemoProvider
from stockdash.schema import daily_bars, movers, securities
from stockdash.universe import load_group

TODAY = date(2026, 11, 20)
STEPS = {"1d": 1, "1w": 5, "1m": 21, "1y": 252}


@pytest.fixture
def filled(engine, settings):
    """30 S&P 500 stocks and 12 ETFs, 14 months of demo bars, movers computed."""
    symbols = list(load_group("sp500")["symbol"][:30]) + list(load_group("etfs")["symbol"][:12])
    s = settings.model_copy(update={"history_years": 1.2})
    assert jobs.pull(engine, DemoProvider(today=TODAY), s, symbols=symbols, today=TODAY).status == "ok"
    assert jobs.compute_movers(engine).status == "ok"
    return engine


def expected(engine, horizon: str, group: str) -> tuple[list[str], list[str]]:
    """Top/bottom 10 by pct change of adj close, rows counted back in the pivot (every session stored)."""
    with engine.connect() as conn:
        bars = pd.DataFrame(
            conn.execute(select(daily_bars.c.symbol, daily_bars.c.date, daily_bars.c.adj_close)).all()
        )
        secs = pd.DataFrame(conn.execute(select(securities)).mappings().all()).set_index("symbol")
    wide = bars.pivot(index="date", columns="symbol", values="adj_close").sort_index()
    pct = (wide.iloc[-1] / wide.iloc[-1 - STEPS[horizon]] - 1).dropna() * 100
    if group == "sp500":
        pct = pct[secs.loc[pct.index, "in_sp500"].astype(bool)]
    elif group == "etfs":
        pct = pct[secs.loc[pct.index, "kind"] == "etf"]
    ranked = pct.sort_values(ascending=False)
    gainers = list(ranked.index[:10])
    losers = list(ranked.drop(gainers).sort_values().index[:10])
    return gainers, losers


@pytest.mark.parametrize("horizon", list(STEPS))
def test_movers_match_an_independent_computation(filled, horizon):
    with filled.connect() as conn:
        for group in movers_mod.GROUPS:
            snap = movers_mod.read(conn, horizon=horizon, group=group)
            gainers, losers = expected(filled, horizon, group)
            assert snap["as_of"] == TODAY.isoformat()
            assert [r["symbol"] for r in snap["gainers"]] == gainers, (horizon, group)
            assert [r["symbol"] for r in snap["losers"]] == losers, (horizon, group)


def test_rows_carry_what_the_tables_show(filled):
    with filled.connect() as conn:
        snap = movers_mod.read(conn, horizon="1d", group="sp500")
    row = snap["gainers"][0]
    assert set(movers_mod.ROW_FIELDS) <= set(row)
    assert row["name"] and row["volume"] > 0
    assert row["change"] == pytest.approx(row["close"] - row["prev_close"])
    assert row["pct_change"] == pytest.approx((row["close"] / row["prev_close"] - 1) * 100)
    # prev_close is the stored close of the session before, unless a dividend went ex on as_of
    # (then it is that close on today's adjusted basis).
    prev_day = date(2026, 11, 19)
    checked = 0
    for r in snap["gainers"] + snap["losers"]:
        with filled.connect() as conn:
            bars = store.load_bars(conn, r["symbol"], start=prev_day, end=TODAY).set_index("date")
        ratio = bars["adj_close"] / bars["close"]
        if abs(ratio[prev_day] - ratio[TODAY]) < 1e-12:
            assert r["prev_close"] == pytest.approx(bars.loc[prev_day, "close"], rel=1e-9)
            assert r["close"] == pytest.approx(bars.loc[TODAY, "close"], rel=1e-9)
            checked += 1
    assert checked >= 15
    pcts = [r["pct_change"] for r in snap["gainers"]]
    assert pcts == sorted(pcts, reverse=True)
    assert len(snap["gainers"]) == len(snap["losers"]) == 10


def test_rerun_replaces_the_snapshot(filled):
    with filled.connect() as conn:
        before = conn.execute(select(func.count()).select_from(movers)).scalar_one()
    assert jobs.compute_movers(filled, as_of=TODAY).status == "ok"
    with filled.connect() as conn:
        assert conn.execute(select(func.count()).select_from(movers)).scalar_one() == before
    # 4 horizons x (sp500: 10+10, etfs: 10+2, all: 10+10)
    assert before == 4 * (20 + 12 + 20)


def test_symbol_missing_either_end_is_left_out(engine, settings):
    s = settings.model_copy(update={"history_years": 1})
    jobs.pull(engine, DemoProvider(today=TODAY), s, symbols=["AAPL", "MSFT"], today=TODAY)
    jobs.pull(engine, DemoProvider(today=date(2026, 11, 19)), s, symbols=["NVDA"], today=date(2026, 11, 19))
    jobs.pull(engine, DemoProvider(today=TODAY), s, symbols=["AMZN"], today=TODAY, since=TODAY)
    assert jobs.compute_movers(engine).status == "ok"
    with engine.connect() as conn:
        snap = movers_mod.read(conn, horizon="1d", group="all")
    assert {r["symbol"] for r in snap["gainers"] + snap["losers"]} == {"AAPL", "MSFT"}


def test_no_bars_means_a_failed_run_with_a_reason(engine):
    result = jobs.compute_movers(engine)
    assert result.status == "failed" and "no bars" in result.message
    with engine.connect() as conn, pytest.raises(movers_mod.NoData):
        movers_mod.read(conn)
