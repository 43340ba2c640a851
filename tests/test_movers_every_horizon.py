"""Movers for every horizon from one read: the same figures as one horizon at a time, cached together."""

from datetime import date

import pandas as pd
import pytest

from stockdash import jobs, reads
from stockdash import movers as movers_mod
from stockdash.providers.demo import DemoProvider

TODAY = date(2026, 11, 20)
SYMBOLS = ["AAPL", "MSFT", "NVDA", "XOM", "JPM", "SPY", "QQQ", "BTC-USD"]


@pytest.fixture
def filled(engine, settings):
    s = settings.model_copy(update={"history_years": 2})
    assert jobs.pull(engine, DemoProvider(today=TODAY), s, symbols=SYMBOLS, today=TODAY).status == "ok"
    assert jobs.compute_movers(engine, as_of=TODAY).status == "ok"
    return engine


def test_every_horizon_from_one_read_equals_each_horizon_alone(filled):
    with filled.connect() as conn:
        every = movers_mod.changes_every_horizon(conn, TODAY)
        assert list(every) == list(movers_mod.HORIZONS)
        for horizon, frame in every.items():
            alone = movers_mod.changes(conn, TODAY, horizon)
            assert len(frame) == len(SYMBOLS)
            pd.testing.assert_frame_equal(frame.sort_index(), alone.sort_index())


def test_the_first_view_of_a_day_caches_every_horizon_and_group(filled):
    reads._sector_maps.clear()
    first = reads.movers_view(filled, horizon="1d", group="sp500")
    url = str(filled.url)
    cached = {key[2:] for key in reads._sector_maps if key[0] == url and key[1] == first["as_of"]}
    assert cached == {(h, g) for h in movers_mod.HORIZONS for g in movers_mod.GROUPS}
    week = reads.movers_view(filled, horizon="1w", group="all")
    sectors = week["sectors"].set_index("symbol")
    assert set(sectors.index) == set(SYMBOLS) - {"BTC-USD"}  # a market is never a mover
    with filled.connect() as conn:
        alone = movers_mod.changes(conn, TODAY, "1w")
    assert sectors["pct_change"].to_dict() == pytest.approx(alone.loc[sectors.index, "pct_change"].to_dict())
    assert sectors.loc["SPY", "sector"] != "Other" and sectors.loc["AAPL", "name"] == "Apple Inc."
