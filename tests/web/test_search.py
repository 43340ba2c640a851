"""Typo-tolerant ticker search, filtered on the server."""

import time

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


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("aple", "AAPL"),
        ("apple", "AAPL"),
        ("appl", "AAPL"),
        ("microsoft", "MSFT"),
        ("goog", "GOOG"),
        ("coca", "KO"),
        ("coca cola", "KO"),
        ("coke", "KO"),
        ("jp morgan", "JPM"),
        ("jpmorgan", "JPM"),
        ("brk b", "BRK-B"),
        ("berkshire", "BRK-B"),
        ("berkshre", "BRK-B"),
        ("hathaway", "BRK-B"),
        ("spy", "SPY"),
        ("jonson", "JNJ"),
        ("disney", "DIS"),
        ("bank of america", "BAC"),
        ("tesla", "TSLA"),
        ("amazn", "AMZN"),
        ("t", "T"),
        ("f", "F"),
        ("v", "V"),
        ("intel", "INTC"),
    ],
)
def test_what_a_user_types_finds_the_obvious_first(typed, first):
    assert symbols(typed)[0] == first


def test_a_famous_name_with_a_typo_outranks_an_obscure_exact_symbol():
    found = symbols("aple")
    assert found[:2] == ["AAPL", "APLE"]  # Apple Hospitality's APLE is still offered, second


def test_berkshire_finds_berkshire_companies_only():
    found = search.search("berkshire")
    assert found[0].symbol == "BRK-B" and "UBER" not in [m.symbol for m in found]
    assert all("berkshire" in m.name.lower() for m in found)


def test_equal_matches_are_ordered_by_importance():
    cat = search.catalogue()
    coca = [
        m.symbol for m in search.search("coca") if m.known and m.name.lower().startswith(("coca", "the coca"))
    ]
    assert coca[0] == "KO" and len(coca) >= 3
    ranks = [cat.at[s, "importance"] for s in coca]
    assert ranks == sorted(ranks, reverse=True)


def test_a_typo_in_the_first_letter_or_a_long_word_matches_nothing_unrelated():
    assert symbols("xylophone") == []


@pytest.mark.parametrize("typed", ["xylophone", "$$$"])
def test_no_match_says_so_and_never_lists_the_current_ticker_as_a_match(typed):
    opts = search.options(typed, selected=["AAPL"])
    assert opts[0]["disabled"] is True and opts[0]["label"].startswith("No matches")
    assert typed in opts[0]["label"]
    # AAPL stays among the options (so the box keeps its label) but the browser hides it.
    assert "AAPL" in [o["value"] for o in opts]
    assert [o["value"] for o in shown(opts, typed, selected=["AAPL"])] == [search.NO_MATCH]


def test_renamed_symbol_offers_what_it_became():
    (first, *_) = search.options("fb")
    assert first["value"] == "META" and "formerly FB" in first["label"]
    assert "FB" not in search.catalogue().index  # never charted (with invented demo prices)


def test_delisted_symbol_is_explained_not_offered_as_a_ticker():
    opts = search.options("twtr")
    assert opts[0]["disabled"] is True and opts[0]["value"] == search.NO_MATCH
    assert "Twitter" in opts[0]["label"] and "no longer listed" in opts[0]["label"]
    assert not any(o["value"] == "TWTR" for o in opts)


def test_search_answers_within_a_keystroke():
    search.search("warmup")
    started = time.perf_counter()
    for typed in ("m", "mi", "mic", "micr", "micrs", "micrso", "micrsof", "micrsoft"):
        search.search(typed)
    assert (time.perf_counter() - started) / 8 < 0.25


# --- the dropdown in the browser ---------------------------------------------------------------


def shown(options: list[dict], typed: str, *, selected: list[str]) -> list[dict]:
    """What dcc.Dropdown (multi) lists for `typed`: its own filter, then selected options first.

    Mirrors dash 4's dropdownSearch.ts: every whitespace-separated word of the text must be a
    substring (case-insensitive) of a word of the option's value, label or search; the filter
    keeps the options' order; a multi-select then moves selected options to the top.
    """
    words = typed.lower().split()

    def visible(opt: dict) -> bool:
        tokens = " ".join(str(opt.get(f, "")) for f in ("value", "label", "search")).lower().split()
        return all(any(w in t for t in tokens) for w in words)

    kept = [o for o in options if visible(o)]
    return sorted(kept, key=lambda o: o["value"] not in selected)


@pytest.mark.parametrize(
    ("typed", "selected"),
    [("msft", ["KO", "AAPL"]), ("nvidia", ["NVDA"]), ("apple", ["MSFT"]), ("jp morgan", ["XOM", "CVX"])],
)
def test_selected_tickers_do_not_jump_to_the_top_when_the_answer_arrives(typed, selected):
    """Each keystroke first filters the previous answer in the browser, then the server's answer
    arrives ~50 ms later: the selected tickers listed (at the top, in a multi-select, where a
    click removes them) must be the same in both."""
    previous = search.options("", selected=selected)
    for n in range(1, len(typed) + 1):
        text = typed[:n]
        current = search.options(text, selected=selected)
        before, after = shown(previous, text, selected=selected), shown(current, text, selected=selected)
        assert [o["value"] for o in before if o["value"] in selected] == [
            o["value"] for o in after if o["value"] in selected
        ], text
        previous = current


def test_a_selected_ticker_is_not_listed_under_unrelated_text():
    opts = search.options("msft", selected=["KO"])
    assert [o["value"] for o in shown(opts, "msft", selected=["KO"])][0] == "MSFT"
    assert "KO" not in [o["value"] for o in shown(opts, "msft", selected=["KO"])]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("bitcoin", "BTC-USD"),
        ("btc", "BTC-USD"),
        ("ethereum", "ETH-USD"),
        ("gold", "GC=F"),
        ("s&p 500", "^GSPC"),
        ("sp500", "^GSPC"),
        ("nasdaq", "^IXIC"),
        ("dow", "^DJI"),
        ("euro", "EURUSD=X"),
        ("vix", "^VIX"),
        ("crude", "CL=F"),
        ("10-year", "^TNX"),
        ("yen", "USDJPY=X"),
    ],
)
def test_markets_are_found_by_name(typed, first):
    assert symbols(typed)[0] == first


def test_gold_lists_gold_before_goldman_sachs():
    found = symbols("gold")
    assert found.index("GC=F") < found.index("GS") and found.index("GLD") < found.index("GS")


@pytest.mark.parametrize("typed", ["tesla", "apple", "gold", "s&p 500", "10-year"])
def test_a_company_or_market_name_is_not_also_offered_as_a_ticker(typed):
    labels = [o["label"] for o in search.options(typed)]
    assert not [label for label in labels if "chart this ticker" in label], labels


def test_an_unknown_ticker_is_still_offered_first_when_no_name_starts_so():
    assert search.search("ZZZZ")[0] == search.Match("ZZZZ", "ZZZZ", known=False)
    assert symbols("6309.T")[0] == "6309.T"


def test_a_picked_unknown_ticker_no_longer_invites_charting_it():
    while_typing = search.options("zzzz")
    assert while_typing[0]["label"] == "ZZZZ · chart this ticker"
    picked = [o for o in search.options("", selected=["ZZZZ"]) if o["value"] == "ZZZZ"]
    assert picked == [{"label": "ZZZZ", "value": "ZZZZ", "search": "ZZZZ"}]
    assert [o["label"] for o in search.options("", selected=["BTC-USD"]) if o["value"] == "BTC-USD"] == [
        "BTC-USD · Bitcoin"
    ]
