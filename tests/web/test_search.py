"""Typo-tolerant ticker search, filtered on the server."""

import pytest

from stockdash.web import search


def symbols(text: str) -> list[str]:
    return [m.symbol for m in search.search(text)]


def test_typo_in_company_name_finds_it():
    assert symbols("micrsoft")[0] == "MSFT"
    assert symbols("nvidai")[0] == "NVDA"


def test_symbol_exact_and_prefix_come_first():
    assert symbols("msft")[0] == "MSFT"
    assert set(symbols("goog")[:2]) == {"GOOG", "GOOGL"}
    assert symbols("brk.b")[0] == "BRK-B"  # Yahoo spelling of Berkshire class B


def test_company_name_finds_symbol():
    assert symbols("apple")[0] == "AAPL"
    assert "BRK-B" in symbols("berkshire")[:3]


def test_empty_search_offers_popular_names():
    assert symbols("")[:3] == ["AAPL", "MSFT", "NVDA"]


def test_a_few_options_not_thousands():
    assert len(search.options("a")) <= search.LIMIT + 1


def test_any_wellformed_ticker_can_be_picked():
    opts = search.options("zzzz")
    assert opts[-1]["value"] == "ZZZZ"
    assert "chart this ticker" in opts[-1]["label"]


def test_long_plain_words_are_not_offered_as_tickers():
    assert "MICRSOFT" not in symbols("micrsoft")


def test_malformed_text_says_why():
    (opt,) = search.options("$$$")
    assert opt["disabled"] is True
    assert "not a valid ticker symbol" in opt["label"]


def test_options_carry_the_query_for_client_side_filtering():
    opt = search.options("micrsoft")[0]
    assert opt["value"] == "MSFT"
    assert "micrsoft" in opt["search"]


def test_selected_values_stay_in_options():
    values = [o["value"] for o in search.options("apple", selected=["KO", "ZZZZ"])]
    assert "KO" in values and "ZZZZ" in values


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("google", "GOOG"),
        ("facebook", "META"),
        ("brk b", "BRK-B"),
        ("BTC-USD", "BTC-USD"),
        ("6309.T", "6309.T"),
    ],
)
def test_brands_class_shares_and_foreign_tickers_come_first(typed, first):
    assert symbols(typed)[0] == first
