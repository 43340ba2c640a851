"""The live callbacks as plain functions on a real database: first a whole figure, then only new points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dash import Patch, no_update
from dash.exceptions import PreventUpdate

from stockdash.live.frames import Quote
from stockdash.live.shared_reads import SharedReads
from stockdash.live.writer import Writer
from stockdash.web import ids
from stockdash.web.chart.callbacks import chart
from stockdash.web.live.alert_rules import edit_rules
from stockdash.web.live.live_chart import live_chart
from stockdash.web.live.refresh import refresh_quotes
from stockdash.web.live.watchlist import edit_watch
from stockdash.web.urlstate import format_query, parse_query
from tests.web.conftest import services_for

T0 = datetime(2026, 11, 20, 15, 0, 5, tzinfo=UTC)  # Fri 20 Nov 2026, 10:00:05 in New York
NOW = T0 + timedelta(minutes=3)


def quote(symbol: str, at: datetime, price: float, prev: float = 100.0) -> Quote:
    change = price - prev
    return Quote(symbol, at, price, change, change / prev * 100, 1000, "regular", "demo")


def write(services, quotes: list[Quote]) -> None:
    writer = Writer(services.engine)
    for q in quotes:
        writer.put(q)
    writer.flush()


@pytest.fixture
def services(demo_url):
    srv = services_for(demo_url, watchlist="AAPL,MSFT")
    srv.live.cache.ttl = 0  # every call reads what was just written
    return srv


def ops(patch: Patch) -> list[tuple[str, list, object]]:
    return [(o["operation"], o["location"], o["params"].get("value")) for o in patch._operations]


def test_symbol_chart_is_whole_first_then_a_patch_of_only_new_points(services):
    write(services, [quote("AAPL", T0, 101.0), quote("AAPL", T0 + timedelta(seconds=30), 102.0)])
    write(services, [quote("AAPL", T0 + timedelta(seconds=60), 101.5)])  # 10:01
    common = {"focus": {"symbol": "AAPL"}, "view": "symbol", "chart_type": "line", "watch": ["AAPL", "MSFT"]}
    figure, held, label = live_chart(services, SharedReads(0), trigger=None, held=None, now=NOW, **common)
    assert isinstance(figure, dict)
    main, marker = figure["data"]
    assert main["x"] == ["2026-11-20 10:00:00", "2026-11-20 10:01:00"] and main["y"] == [102.0, 101.5]
    assert marker["x"] == ["2026-11-20 10:01:05"] and marker["y"] == [101.5]
    assert figure["layout"]["shapes"][-1]["y0"] == pytest.approx(100.0)  # the previous close line
    assert label == "AAPL · Today · Fri 20 Nov 2026"

    # 10:01 grows (a new high close), 10:02 and 10:03 are new: one replaced point, two appended.
    write(
        services,
        [
            quote("AAPL", T0 + timedelta(seconds=80), 103.0),
            quote("AAPL", T0 + timedelta(seconds=130), 104.0),
            quote("AAPL", T0 + timedelta(seconds=185), 105.0),
        ],
    )
    patch, held2, _ = live_chart(
        services, SharedReads(0), trigger=ids.LIVE_TICK, held=held, now=NOW, **common
    )
    assert isinstance(patch, Patch)
    assert ops(patch) == [
        ("Assign", ["data", 0, "x", 1], "2026-11-20 10:01:00"),
        ("Extend", ["data", 0, "x"], ["2026-11-20 10:02:00", "2026-11-20 10:03:00"]),
        ("Assign", ["data", 0, "y", 1], 103.0),
        ("Extend", ["data", 0, "y"], [104.0, 105.0]),
        ("Assign", ["data", 1, "x"], ["2026-11-20 10:03:10"]),
        ("Assign", ["data", 1, "y"], [105.0]),
    ]
    assert held2["series"]["AAPL"] == {
        "i": 0,
        "n": 4,
        "last": "2026-11-20T15:03:00Z",
        "tail": ["2026-11-20 10:03:00", 105.0],
    }

    # Nothing new: only the latest-quote marker is sent again.
    patch, held3, _ = live_chart(
        services, SharedReads(0), trigger=ids.LIVE_TICK, held=held2, now=NOW, **common
    )
    assert [(o[0], o[1]) for o in ops(patch)] == [("Assign", ["data", 1, "x"]), ("Assign", ["data", 1, "y"])]
    assert held3["series"]["AAPL"]["n"] == 4

    # Candles for another symbol, or a changed view: a whole figure again.
    figure, _, _ = live_chart(
        services,
        SharedReads(0),
        trigger=ids.LIVE_TYPE,
        held=held3,
        now=NOW,
        **(common | {"chart_type": "candles"}),
    )
    assert figure["data"][0]["type"] == "candlestick" and figure["data"][0]["close"][-1] == 105.0


def test_watchlist_chart_patches_each_symbol_with_its_new_points(services):
    write(services, [quote("AAPL", T0, 101.0), quote("MSFT", T0, 99.0)])
    common = {"focus": None, "view": "all", "chart_type": "line", "watch": ["AAPL", "MSFT"]}
    figure, held, label = live_chart(services, SharedReads(0), trigger=None, held=None, now=NOW, **common)
    assert [t["name"] for t in figure["data"]] == ["AAPL", "MSFT"]
    assert figure["data"][0]["y"] == [1.0] and figure["data"][1]["y"] == [-1.0]
    assert "Watchlist % change" in label

    write(services, [quote("MSFT", T0 + timedelta(seconds=60), 98.0)])
    patch, held, _ = live_chart(services, SharedReads(0), trigger=ids.LIVE_TICK, held=held, now=NOW, **common)
    assert ops(patch) == [  # MSFT's new minute only; AAPL's unchanged last minute is not sent again
        ("Extend", ["data", 1, "x"], ["2026-11-20 10:01:00"]),
        ("Extend", ["data", 1, "y"], [-2.0]),
    ]
    write(services, [quote("MSFT", T0 + timedelta(seconds=70), 97.0)])  # MSFT's 10:01 grows
    patch, held, _ = live_chart(services, SharedReads(0), trigger=ids.LIVE_TICK, held=held, now=NOW, **common)
    assert ops(patch) == [
        ("Assign", ["data", 1, "x", 1], "2026-11-20 10:01:00"),
        ("Assign", ["data", 1, "y", 1], -3.0),
    ]
    patch, _, _ = live_chart(services, SharedReads(0), trigger=ids.LIVE_TICK, held=held, now=NOW, **common)
    assert patch is no_update  # nothing new at all: nothing sent


def test_refresh_updates_rows_in_place_and_fires_an_alert_once(services):
    write(services, [quote("AAPL", T0 - timedelta(seconds=2), 100.0)])
    sparks = SharedReads(0)
    rules = [{"id": "r1", "symbol": "AAPL", "kind": "above", "value": 100.5, "minutes": 0}]
    *_, states, fired = refresh_quotes(  # the first quote sets the side: below the level
        services, sparks, watch=["AAPL"], rules=rules, states=None, fired=None, now=NOW
    )
    assert fired is no_update and states["r1"]["armed"] is True
    write(services, [quote("AAPL", T0, 101.0), quote("MSFT", T0, 99.0)])
    transaction, line, demo, states, fired = refresh_quotes(
        services, sparks, watch=["AAPL", "MSFT"], rules=rules, states=states, fired=None, now=NOW
    )
    rows = transaction["update"]
    assert [r["symbol"] for r in rows] == ["AAPL", "MSFT"]
    assert rows[0]["price"] == 101.0 and rows[0]["time"] == "10:00:05" and rows[0]["spark"] == [101.0, 101.0]
    assert "Demo stream" in str(demo)
    assert [f["rule"] for f in fired] == ["r1"]
    # The next refresh, same quote and a newer one above the level: no second fire.
    write(services, [quote("AAPL", T0 + timedelta(seconds=2), 101.2)])
    *_, states2, fired2 = refresh_quotes(
        services, sparks, watch=["AAPL", "MSFT"], rules=rules, states=states, fired=fired, now=NOW
    )
    assert fired2 is no_update and states2["r1"]["armed"] is False


def test_watchlist_comes_from_the_link_then_the_browser_then_the_server():
    default = ["AAPL", "MSFT"]
    out = edit_watch(
        None,
        query="?watch=tsla,NVDA,bad$,TSLA",
        saved=["SPY"],
        current=None,
        added=None,
        click=None,
        default=default,
    )
    assert out[0] == ["TSLA", "NVDA"] and out[1] == ["TSLA", "NVDA"]
    out = edit_watch(
        None, query="?symbol=MSFT", saved=["SPY", 3], current=None, added=None, click=None, default=default
    )
    assert out[0] == ["SPY"]
    out = edit_watch(None, query="", saved=None, current=None, added=None, click=None, default=default)
    assert out[0] == default
    with pytest.raises(PreventUpdate):  # the list shown already
        edit_watch(ids.URL, query="", saved=None, current=default, added=None, click=None, default=default)


def test_add_and_remove_keep_url_and_browser_in_step():
    cur = ["AAPL", "MSFT"]
    watch, saved, url, box, note = edit_watch(
        ids.WATCH_ADD,
        query="?symbol=MSFT&period=1Y",
        saved=None,
        current=cur,
        added="brk.b",
        click=None,
        default=cur,
    )
    assert watch == saved == ["AAPL", "MSFT", "BRK-B"] and box is None and note == ""
    assert parse_query(url)["watch"] == watch and parse_query(url)["symbol"] == "MSFT"
    _, _, _, _, note = edit_watch(
        ids.WATCH_ADD, query="", saved=None, current=cur, added="AAPL", click=None, default=cur
    )
    assert note == "AAPL is already in the watchlist."
    full = [f"S{i}" for i in range(20)]
    _, _, _, _, note = edit_watch(
        ids.WATCH_ADD, query="", saved=None, current=full, added="AAPL", click=None, default=cur
    )
    assert note.startswith("The watchlist holds up to 20 symbols")
    click = {"colId": "remove", "rowId": "AAPL"}
    watch, _, url, _, _ = edit_watch(
        ids.WATCH_GRID, query="", saved=None, current=cur, added=None, click=click, default=cur
    )
    assert watch == ["MSFT"] and "watch=MSFT" in url
    with pytest.raises(PreventUpdate):  # a click elsewhere on the row charts it, not removes it
        edit_watch(
            ids.WATCH_GRID,
            query="",
            saved=None,
            current=cur,
            added=None,
            click={"colId": "price", "rowId": "AAPL"},
            default=cur,
        )
    assert format_query(parse_query("?symbol=AAPL")) == "?symbol=AAPL&period=1Y"  # no watch= until changed


def test_rules_added_and_removed_with_plain_messages():
    form = {"symbol": "AAPL", "kind": "above", "value": 180, "minutes": None}
    rules, note = edit_rules(ids.RULE_ADD, rules=None, clicked=True, **form)
    assert note == "" and rules[0]["symbol"] == "AAPL" and rules[0]["value"] == 180
    same, note = edit_rules(ids.RULE_ADD, rules=rules, clicked=True, **(form | {"value": "x"}))
    assert same is no_update and note == "The level must be a number."
    _, note = edit_rules(ids.RULE_ADD, rules=rules, clicked=True, **(form | {"kind": "move", "value": 2}))
    assert note.startswith("The minutes must be")
    remove = {"type": ids.RULE_REMOVE, "index": rules[0]["id"]}
    with pytest.raises(PreventUpdate):
        edit_rules(remove, rules=rules, clicked=False, **form)  # a button appearing is not a click
    left, _ = edit_rules(remove, rules=rules, clicked=True, **form)
    assert left == []


def post_to(app, note: str, *, inputs: list, state: list, changed: str):
    """What the renderer POSTs to the callback whose outputs include `note`.children: its answer."""
    output = next(o for o in app.callback_map if f"{note}.children" in o)
    spec = app.callback_map[output]
    outputs = []
    for part in output[2:-2].split("..."):
        id_, prop = part.rsplit(".", 1)
        outputs.append({"id": id_, "property": prop})
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": [
            v if d["id"].startswith("{") else d | {"value": v}
            for d, v in zip(spec["inputs"], inputs, strict=True)
        ],
        "state": [d | {"value": v} for d, v in zip(spec["state"], state, strict=True)],
        "changedPropIds": [changed],
    }
    resp = app.server.test_client().post("/_dash-update-component", json=body)
    return resp.status_code, (resp.get_json() or {}).get("response")


def test_requests_reach_the_plain_functions_by_name(app_for_tests):
    status, out = post_to(
        app_for_tests,
        ids.WATCH_NOTE,
        inputs=["?symbol=AAPL", None, "NVDA", None],
        state=[None, ["AAPL"]],
        changed=f"{ids.WATCH_ADD}.value",
    )
    assert status == 200 and out[ids.WATCH] == {"data": ["AAPL", "NVDA"]}
    assert out[ids.URL] == {"search": "?symbol=AAPL&period=1Y&watch=AAPL,NVDA"}
    form = ["AAPL", "above", "x", None]
    status, out = post_to(
        app_for_tests, ids.RULE_NOTE, inputs=[1, []], state=[None, *form], changed=f"{ids.RULE_ADD}.n_clicks"
    )
    assert status == 200 and out == {ids.RULE_NOTE: {"children": "The level must be a number."}}
    removed = {"id": {"type": ids.RULE_REMOVE, "index": "r1"}, "property": "n_clicks", "value": 1}
    rules = [{"id": "r1", "symbol": "AAPL", "kind": "above", "value": 200}]
    status, out = post_to(
        app_for_tests,
        ids.RULE_NOTE,
        inputs=[None, [removed]],
        state=[rules, *form],
        changed=f'{{"index":"r1","type":"{ids.RULE_REMOVE}"}}.n_clicks',
    )
    assert status == 200 and out[ids.RULES] == {"data": []}  # ctx.triggered_id is the remove button


def test_ticker_chart_1d_from_minute_bars_and_5d_falls_back_to_daily(services):
    write(services, [quote("AAPL", T0, 101.0), quote("AAPL", T0 + timedelta(seconds=60), 102.0)])
    view = {"symbol": "AAPL", "compare": [], "period": "1D", "start": None, "end": None}
    figure, header, notice, href = chart(services, view, "candles", [], now=NOW)
    assert figure["data"][0]["type"] == "candlestick" and figure["data"][0]["close"] == [101.0, 102.0]
    assert "1-minute bars" in str(notice) and href.startswith("/api/intraday/AAPL?")
    figure, header, notice, href = chart(
        services, view | {"symbol": "MSFT", "period": "5D"}, "line", [], now=NOW
    )
    assert "No minute bars stored for MSFT" in str(notice)
    assert len(figure["data"][0]["x"]) == 6  # the last five sessions' daily closes (and the one before)
