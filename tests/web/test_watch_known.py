"""Only symbols we can have prices for join the watchlist: a typed ZZZZ is refused with a plain message."""

from __future__ import annotations

import pytest
from dash import no_update
from sqlalchemy import insert

from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.schema import securities
from stockdash.web import ids
from stockdash.web.live.watchable import known_symbol
from stockdash.web.live.watchlist import edit_watch
from tests.web.conftest import services_for


@pytest.fixture
def services(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:  # charted once: its prices were fetched and stored
        conn.execute(insert(securities).values(symbol="6309.T", name="6309.T", kind="stock"))
    engine.dispose()
    return services_for(database_url)


def test_the_universe_and_what_was_charted_are_known_junk_is_not(services):
    assert known_symbol(services, "AAPL") and known_symbol(services, "BTC-USD")
    assert known_symbol(services, "6309.T")
    assert not known_symbol(services, "ZZZZ")


def test_an_unknown_ticker_is_refused_with_a_plain_message(services):
    cur = ["AAPL", "MSFT"]

    def add(symbol: str) -> tuple:
        return edit_watch(
            ids.WATCH_ADD,
            query="",
            saved=None,
            current=cur,
            added=symbol,
            click=None,
            default=cur,
            known=lambda s: known_symbol(services, s),
        )

    watch, saved, url, box, note = add("zzzz")
    assert watch is saved is url is no_update  # the list stays as it is
    assert box is None and note.startswith("ZZZZ is not a symbol we know")
    watch, _, _, _, note = add("btc-usd")
    assert watch == ["AAPL", "MSFT", "BTC-USD"] and note == ""
    watch, _, _, _, note = add("6309.T")
    assert watch == ["AAPL", "MSFT", "6309.T"] and note == ""
