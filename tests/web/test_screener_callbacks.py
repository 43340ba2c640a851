"""The screener's callbacks as plain functions: the #screener hash, the controls, the grid's rows."""

from __future__ import annotations

import pytest
from dash import no_update
from dash.exceptions import PreventUpdate

from stockdash.web import ids
from stockdash.web.screener.callbacks import hash_of, page_offset, screen_of_hash, screen_rows, screen_sync
from stockdash.web.screener.layout import DEFAULT_SCREEN
from tests.web.conftest import services_for


def test_a_hash_round_trips_and_bad_parts_are_named():
    screen = {
        "preset": "oversold",
        "group": "etfs",
        "sector": "Energy",
        "filters": ["rsi14<30", "relvol>=2"],
        "sort": "-pct_1d",
    }
    assert screen_of_hash(hash_of(screen)) == (screen, [])
    got, notes = screen_of_hash("#screener?preset=nope&group=xx&where=rsi<3&where=gap_pct>=3&sort=-bogus")
    assert got["filters"] == ["gap_pct>=3"] and got["group"] == DEFAULT_SCREEN["group"]
    assert got["preset"] is None and got["sort"] == DEFAULT_SCREEN["sort"]
    assert any("unknown field 'rsi'" in n for n in notes) and any("sort key" in n for n in notes)
    assert any("preset" in n for n in notes)


def test_a_link_sets_the_tab_and_controls():
    out = screen_sync(None, {"hash": "#screener?preset=gap_up&group=all&where=gap_pct>=3&sort=-gap_pct"})
    hash_, tab, preset, group, sector, sort, chips, chip_values, _, _, screen = out
    assert (hash_, tab, preset, group, sector, sort) == (
        no_update,
        "screener",
        "gap_up",
        "all",
        None,
        "-gap_pct",
    )
    assert chip_values == ["gap_pct>=3"] and chips[0]["value"] == "gap_pct>=3"
    assert screen["filters"] == ["gap_pct>=3"]
    with pytest.raises(PreventUpdate):
        screen_sync(None, {"hash": "", "tab": "chart"})  # a chart link: nothing to do


def test_controls_change_the_screen_and_the_hash():
    shown = dict(DEFAULT_SCREEN)
    out = screen_sync(ids.SCREEN_PRESET, {"preset": "unusual_volume", "shown": shown})
    assert out[-1]["filters"] == ["relvol>=2"] and out[5] == "-relvol"
    assert out[0].startswith("#screener?preset=unusual_volume") and "where=relvol>=2" in out[0]
    added = screen_sync(ids.SCREEN_ADD, {"field": "rsi14", "op": "<", "value": " 30 ", "shown": out[-1]})
    assert added[-1]["filters"] == ["relvol>=2", "rsi14<30"] and added[8] == ""
    bad = screen_sync(ids.SCREEN_ADD, {"field": "rsi14", "op": "<", "value": "low", "shown": out[-1]})
    assert "takes a number" in bad[9][0].children and bad[-1] is no_update
    removed = screen_sync(ids.SCREEN_FILTERS, {"chip_values": ["rsi14<30"], "shown": added[-1]})
    assert removed[-1]["filters"] == ["rsi14<30"]
    assert screen_sync(ids.TABS, {"tab": "chart", "shown": removed[-1]})[0] == ""
    opened = screen_sync(ids.TABS, {"tab": "screener", "shown": "not a dict"})
    assert opened[0] == hash_of(DEFAULT_SCREEN) and opened[-1] == DEFAULT_SCREEN


def test_rows_with_sparklines_and_plain_messages(filled_url, tmp_path):
    services = services_for(filled_url)
    rows, columns, csv_params, count, note, offset, no_previous, no_next = screen_rows(
        services, {**DEFAULT_SCREEN, "group": "all"}, {"narrow": True}
    )
    assert (offset, no_previous, no_next) == (0, True, True) and "shown" not in count
    assert [c["field"] for c in columns] == ["symbol", "close", "dollar_volume_20", "spark"]
    assert {r["symbol"] for r in rows} == {"AAPL", "MSFT", "SPY"} and note == []
    assert "3 matches" in count and "spark" not in csv_params["columnKeys"]
    assert all(40 <= len(r["spark"]) <= 63 for r in rows)
    empty = services_for(f"sqlite:///{tmp_path / 'empty.db'}")
    from stockdash.db import make_engine
    from stockdash.migrate import upgrade

    upgrade(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    rows, _, _, count, note, *_ = screen_rows(empty, None, None)
    assert rows == [] and count == "" and "No screener figures yet" in note[0].children


def test_pages_reach_every_match(filled_url):
    """Pages of 2 over the 3 matches: first, second (the last), and an offset past the end shows the last."""
    services = services_for(filled_url)
    screen = {**DEFAULT_SCREEN, "group": "all", "sort": "symbol"}
    first = screen_rows(services, screen, None, page_offset(ids.SCREEN, 4, 2), 2)
    assert [r["symbol"] for r in first[0]] == ["AAPL", "MSFT"] and first[5:] == (0, True, False)
    assert "3 matches · 1–2 shown" in first[3]
    second = screen_rows(services, screen, None, page_offset(ids.SCREEN_NEXT, first[5], 2), 2)
    assert [r["symbol"] for r in second[0]] == ["SPY"] and second[5:] == (2, False, True)
    assert "3 matches · 3–3 shown" in second[3]
    past = screen_rows(services, screen, None, 40, 2)
    assert [r["symbol"] for r in past[0]] == ["SPY"] and past[5] == 2
    assert page_offset(ids.SCREEN_PREV, second[5], 2) == 0 and page_offset(ids.SCREEN_PREV, 1, 2) == 0
    assert page_offset(ids.VIEWPORT, 2, 2) == 2 and page_offset(ids.VIEWPORT, "x", 2) == 0
