"""The shipped universe files are exactly what scripts/build_universe.py makes of its sources."""

import importlib.util
import re

import pandas as pd
import pytest

from stockdash import universe

ROOT = universe.DATA_DIR.parent.parent
spec = importlib.util.spec_from_file_location("build_universe", ROOT / "scripts" / "build_universe.py")
build_universe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_universe)


def test_committed_files_are_the_scripts_output(tmp_path):
    build_universe.write(build_universe.build(build_universe.SOURCES), tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in universe.DATA_DIR.glob("*.csv"))
    for name in written:
        assert (tmp_path / name).read_bytes() == (universe.DATA_DIR / name).read_bytes(), name


@pytest.fixture(scope="module")
def total() -> pd.DataFrame:
    return universe.catalogue()


def test_names_read_as_a_person_writes_them(total):
    assert total.at["BGS", "name"] == "B&G Foods, Inc."
    assert total.at["CE", "name"] == "Celanese Corporation"
    assert total.at["TTC", "name"] == "The Toro Company"
    assert not [n for n in total["name"] if re.match(r"^(.{4,}?)\s+\1(?=\s|$)", n)]
    assert not total["name"].str.contains(r"Common Stock|Ordinary Shares|\(The\)", regex=True).any()


def test_renamed_symbols_are_under_what_they_became_and_delisted_ones_are_gone(total):
    gone = universe.former()
    assert gone.at["FB", "now"] == "META" and gone.at["TWTR", "now"] == ""
    assert not total.index.isin(gone.index).any()  # FB is never charted with invented demo prices
    assert set(gone["now"].replace("", pd.NA).dropna()) <= set(total.index)
    assert total.at["META", "exchange"] == "NASDAQ"  # carried over from FB's listing
    assert total.at["CTRA", "name"] == "Coterra Energy Inc."  # not 2020's Contura Energy


def test_warrants_units_and_spacs_are_left_out(total):
    assert not total["name"].str.contains(r"\bWarrants?\b|Acquisition Corp", regex=True).any()
    assert {"ET", "EPD", "CQP"} <= set(total.index)  # partnerships' "common units" are shares


def test_importance_orders_membership_then_size(total):
    imp = total["importance"]
    assert imp.between(0, 5).all() and total.index.is_unique
    assert imp["AAPL"] == imp["SPY"] == 5  # member and among the largest
    assert imp["CAT"] == 4  # member, Fortune 500
    assert imp["TSM"] == 2  # not a member, among the largest
    assert imp["APLE"] == 0
    assert (imp[total["in_sp500"]] >= 3).all()
