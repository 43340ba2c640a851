from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from stockdash import store
from stockdash.schema import daily_bars, securities


def bars(symbol="AAA", days=3, close=10.0):
    dates = pd.bdate_range("2024-01-02", periods=days).date
    return pd.DataFrame(
        {
            "symbol": symbol,
            "date": dates,
            "open": close,
            "high": close + 1,
            "low": close - 1,
            "close": close,
            "adj_close": close * 0.9,
            "volume": 1000,
        }
    )


def stored(engine):
    with engine.connect() as conn:
        return sorted(conn.execute(select(daily_bars)).all())


def test_upsert_inserts_then_updates_without_duplicates(engine):
    with engine.begin() as conn:
        assert store.upsert_bars(conn, bars(days=3)) == 3
    first = stored(engine)
    with engine.begin() as conn:
        assert store.upsert_bars(conn, bars(days=3)) == 0  # nothing changed, nothing written
    assert stored(engine) == first
    with engine.begin() as conn:
        assert store.upsert_bars(conn, bars(days=4, close=12.0)) == 4  # 3 changed, 1 new
    rows = stored(engine)
    assert len(rows) == 4
    assert {r.close for r in rows} == {12.0}


def test_missing_values_become_null_and_rows_without_price_are_dropped(engine):
    frame = bars(days=3)
    frame["volume"] = frame["volume"].astype("float64")
    frame.loc[0, ["open", "volume"]] = np.nan
    frame.loc[1, "close"] = np.nan
    with engine.begin() as conn:
        assert store.upsert_bars(conn, frame) == 2
    rows = stored(engine)
    assert rows[0].open is None and rows[0].volume is None
    assert [r.date for r in rows] == [date(2024, 1, 2), date(2024, 1, 4)]


def test_replace_swaps_one_symbol_history_only(engine):
    with engine.begin() as conn:
        store.upsert_bars(conn, pd.concat([bars("AAA", 5), bars("BBB", 5)]))
        store.replace_bars(conn, ["AAA"], bars("AAA", 2, close=2.5))
    rows = stored(engine)
    assert [r.close for r in rows if r.symbol == "AAA"] == [2.5, 2.5]
    assert len([r for r in rows if r.symbol == "BBB"]) == 5


def test_a_database_holds_one_providers_data(engine):
    with engine.begin() as conn:
        store.claim_dataset(conn, "demo")
        store.claim_dataset(conn, "demo")
    with engine.begin() as conn, pytest.raises(store.DatasetMismatch, match="holds demo data"):
        store.claim_dataset(conn, "yahoo")
    with engine.connect() as conn:
        assert store.dataset_provider(conn) == "demo"


def test_a_name_longer_than_its_column_is_cut_not_refused(engine):
    """GJP's listed name is 214 characters: PostgreSQL refused the whole chunk of a `total` pull."""
    long_name = "Synthetic Fixed-Income Securities, Inc. on behalf of STRATS " * 4
    row = {
        "symbol": "GJP",
        "name": long_name,
        "sector": "",
        "exchange": "NYSE",
        "kind": "stock",
        "in_sp500": False,
    }
    with engine.begin() as conn:
        store.upsert_securities(conn, [row, {**row, "symbol": "AAPL", "name": "Apple Inc."}])
        names = dict(conn.execute(select(securities.c.symbol, securities.c.name)).all())
    assert len(names["GJP"]) == 200 and names["GJP"].endswith("…") and long_name.startswith(names["GJP"][:-1])
    assert names["AAPL"] == "Apple Inc."
