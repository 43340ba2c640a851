"""The watchlist: its table (one row per symbol, updated in place), the add box, and how the list
changes (a link, the browser's saved copy, an add, a remove), kept in step with the URL.

Plain functions hold the transitions (tested without a browser); `register` wires them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

import dash_ag_grid as dag
from dash import ClientsideFunction, Dash, Input, NoUpdate, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from stockdash.calendar import NEW_YORK
from stockdash.errors import error_text
from stockdash.live.closes import DailySession, LastPrice, last_price
from stockdash.live.hours import next_stream_start, session_day, streams_from
from stockdash.live.latest import Latest
from stockdash.live.shared_reads import SharedReads
from stockdash.universe import name_of
from stockdash.web import ids, search
from stockdash.web.components import NUM, SIGN, grid
from stockdash.web.live import data
from stockdash.web.live.watchable import known_symbol
from stockdash.web.services import Services
from stockdash.web.urlstate import MAX_WATCH, format_query, parse_query, valid_symbols

log = logging.getLogger("stockdash.web")

Row = dict[str, Any]  # one row of the table, as AG Grid holds it

# --- layout ------------------------------------------------------------------------------------


# On a phone the table keeps symbol, last, % change and ✕; the rest would push them off screen
# (a sideways scroll inside the table), as the movers tables do.
WIDE_ONLY = ("name", "change", "day_volume", "time", "session", "spark")


def columns(*, narrow: bool = False) -> list[dict[str, Any]]:
    """The table's columns; `narrow` (a phone) hides the wide-only ones and shares out the width."""
    if not narrow:
        return _columns()
    return [
        {**c, "hide": c.get("field") in WIDE_ONLY} | ({"flex": 1} if "field" in c else {}) for c in _columns()
    ]


def _columns() -> list[dict[str, Any]]:
    return [
        {"field": "symbol", "headerName": "Symbol", "width": 92, "pinned": "left", "cellClass": ["sym"]},
        {"field": "name", "headerName": "Name", "flex": 1, "minWidth": 140, "tooltipField": "name"},
        {
            "field": "price",
            "headerName": "Last",
            "width": 96,
            **NUM,
            "enableCellChangeFlash": True,
            "valueFormatter": {"function": "params.value == null ? '–' : d3.format(',.2f')(params.value)"},
        },
        {
            "field": "change",
            "headerName": "Change",
            "width": 90,
            **NUM,
            "cellClassRules": SIGN,
            "valueFormatter": {"function": "params.value == null ? '' : d3.format('+,.2f')(params.value)"},
        },
        {
            "field": "pct_change",
            "headerName": "% Chg",
            "width": 86,
            **NUM,
            "cellClassRules": SIGN,
            "valueFormatter": {
                "function": "params.value == null ? '' : d3.format('+.2f')(params.value) + '%'"
            },
        },
        {
            "field": "day_volume",
            "headerName": "Volume",
            "width": 96,
            **NUM,
            "valueFormatter": {"function": "params.value == null ? '' : d3.format('.3~s')(params.value)"},
        },
        {"field": "time", "headerName": "Time (ET)", "width": 108, "cellClass": ["num", "muted"]},
        {
            "field": "session",
            "headerName": "Session",
            "width": 118,
            "cellRenderer": "SessionBadge",
            "sortable": False,
        },
        {
            "field": "spark",
            "headerName": "Today",
            "width": 128,
            "cellRenderer": "Sparkline",
            "cellDataType": False,  # drawn, never shown as text: no formatter wanted (AG Grid warning #48)
            "sortable": False,
        },
        {
            "colId": "remove",
            "headerName": "",
            "width": 48,
            "valueGetter": {"function": "'✕'"},
            "cellClass": ["remove"],
            "headerTooltip": "Remove from the watchlist",
            "sortable": False,
        },
    ]


def table() -> dag.AgGrid:
    return grid(
        ids.WATCH_GRID,
        rows=[],
        columns=columns(),
        empty="The watchlist is empty: add a symbol above",
        row_height=36,
        class_name="live-grid",
        cellFlashDuration=400,
        cellFadeDuration=600,
    )


def add_box() -> dcc.Dropdown:
    return dcc.Dropdown(
        id=ids.WATCH_ADD,
        options=[],
        value=None,
        placeholder="Add a symbol to the watchlist",
        maxHeight=320,
        className="dd watch-add",
    )


# --- the list and its edits --------------------------------------------------------------------


def clean_watch(raw: object) -> list[str]:
    """Valid, distinct symbols, at most MAX_WATCH; anything else in stored data is dropped."""
    items = [str(s)[:24] for s in raw if isinstance(s, str)] if isinstance(raw, list) else []
    return valid_symbols(items)[0][:MAX_WATCH]


class WatchEdit(NamedTuple):
    """What editing the watchlist changes: the list, its saved copy, the link, the add box, a note."""

    watch: list[str] | NoUpdate
    saved: list[str] | NoUpdate
    search: str | NoUpdate
    added: None | NoUpdate
    note: str


def edit_watch(
    trigger: str | None,
    *,
    query: str | None,
    saved: object,
    current: object,
    added: str | None,
    click: object,
    default: list[str],
    known: Callable[[str], bool] = lambda symbol: True,
) -> WatchEdit:
    """The watchlist after a load, a link, an add or a remove.

    `known` says whether an added symbol is one we have prices for (watchable.py): a typed
    ZZZZ would otherwise wait in the list forever for quotes that never come.
    """
    now = clean_watch(current) if isinstance(current, list) else None
    view = parse_query(query)
    if trigger in (None, ids.URL, ids.WATCH_SAVED):
        if view["watch"] is not None:
            watch = view["watch"]
        elif isinstance(saved, list):
            watch = clean_watch(saved)
        else:
            watch = default[:MAX_WATCH]
        if watch == now:
            raise PreventUpdate
        keep = no_update if view["watch"] is None or watch == saved else watch
        return WatchEdit(watch, keep, no_update, no_update, "")
    watch = list(now or [])
    note = ""
    if trigger == ids.WATCH_ADD:
        if not added or added == search.NO_MATCH:
            raise PreventUpdate
        found = clean_watch([added])
        symbol = found[0] if found else None
        if symbol is None:
            note = f"{added[:24]!r} is not a ticker symbol."
        elif symbol in watch:
            note = f"{symbol} is already in the watchlist."
        elif not known(symbol):
            note = f"{symbol} is not a symbol we know: chart it first; once it has prices it can be watched."
        elif len(watch) >= MAX_WATCH:
            note = f"The watchlist holds up to {MAX_WATCH} symbols: remove one first."
        else:
            watch.append(symbol)
    elif trigger == ids.WATCH_GRID:
        cell = click if isinstance(click, dict) else {}
        if cell.get("colId") != "remove" or cell.get("rowId") not in watch:
            raise PreventUpdate
        watch.remove(cell["rowId"])
    else:
        raise PreventUpdate
    if watch == now:
        return WatchEdit(no_update, no_update, no_update, None, note)
    return WatchEdit(watch, watch, format_query(view | {"watch": watch}), None, note)


def clicked_symbol(click: object) -> str:
    """The symbol of a clicked row (not its ✕); PreventUpdate for anything else."""
    cell = click if isinstance(click, dict) else {}
    if cell.get("colId") == "remove" or not isinstance(cell.get("rowId"), str):
        raise PreventUpdate
    return str(cell["rowId"])


# --- rows --------------------------------------------------------------------------------------


def clock_text(moment: datetime, now: datetime) -> str:
    """A time in New York as the table shows it: the day too when it is not today ("Wed 16:00")."""
    local = moment.astimezone(NEW_YORK)
    return f"{local:%H:%M:%S}" if local.date() == now.astimezone(NEW_YORK).date() else f"{local:%a %H:%M}"


def waiting_text(symbol: str, note: str | None, now: datetime) -> str:
    """What the time column says of a symbol with no price yet: when its stream opens, if it does
    not stream now ("from 04:00", "from Mon 04:00")."""
    if note and "full" in note:
        return "slots full"
    if streams_from(symbol, now) is None:
        return "waiting"
    start = next_stream_start(now).astimezone(NEW_YORK)
    return (
        f"from {start:%H:%M}" if start.date() == now.astimezone(NEW_YORK).date() else f"from {start:%a %H:%M}"
    )


def row(symbol: str, last: LastPrice | None, *, note: str | None, spark: list[float], now: datetime) -> Row:
    """One watchlist row: the last price (live, or the last close), or why there is none yet."""
    return {
        "symbol": symbol,
        "name": name_of(symbol),
        "price": last.price if last else None,
        "change": last.change if last else None,
        "pct_change": last.pct_change if last else None,
        "day_volume": last.volume if last else None,
        "time": clock_text(last.time, now) if last else waiting_text(symbol, note, now),
        "session": last.session if last else "",
        "spark": spark,
        "note": note or "",
    }


def table_rows(
    services: Services, day_reads: SharedReads, watch: list[str], got: Latest, now: datetime
) -> list[Row]:
    sessions: dict[str, DailySession] = {}
    for day in sorted({session_day(s, now) for s in watch}):
        group = [s for s in watch if session_day(s, now) == day]
        sessions |= data.last_sessions(services, day_reads, group, day)
    rows = []
    for symbol in watch:
        quote = got.quotes.get(symbol)
        why = got.not_live.get(symbol)
        spark = data.sparkline(services, day_reads, symbol, quote, now)
        last = last_price(symbol, quote, sessions.get(symbol), now)
        rows.append(row(symbol, last, note=why.message if why else None, spark=spark, now=now))
    return rows


class WatchRows(NamedTuple):
    """The table's rows after the list changed, and the alert form's symbol choices."""

    rows: list[Row]
    rule_symbols: list[str]
    rule_symbol: str | None


def watch_rows(
    services: Services, day_reads: SharedReads, *, watch: object, rule_symbol: object, now: datetime
) -> WatchRows:
    symbols = clean_watch(watch)
    try:
        got = data.quotes(services, symbols) if symbols else data.NOTHING
    except SQLAlchemyError as exc:
        log.error("web live rows database error: %s", error_text(exc))
        got = data.NOTHING
    chosen = rule_symbol if isinstance(rule_symbol, str) and rule_symbol in symbols else None
    chosen = chosen or (symbols[0] if symbols else None)
    return WatchRows(table_rows(services, day_reads, symbols, got, now), symbols, chosen)


# --- wiring ------------------------------------------------------------------------------------


def register(app: Dash, services: Services, day_reads: SharedReads) -> None:
    default = services.settings.watchlist_symbols
    known = partial(known_symbol, services)

    # Inputs and states named (https://dash.plotly.com/flexible-callback-signatures): a callback
    # gets their values as keywords and hands on those its plain function takes (not a tick or a
    # timestamp that only triggers it); the browser still sends them as lists, in this order.
    @app.callback(
        output=[
            Output(ids.WATCH, "data"),
            Output(ids.WATCH_SAVED, "data"),
            Output(ids.URL, "search", allow_duplicate=True),
            Output(ids.WATCH_ADD, "value"),
            Output(ids.WATCH_NOTE, "children"),
        ],
        inputs={
            "query": Input(ids.URL, "search"),
            "saved_at": Input(ids.WATCH_SAVED, "modified_timestamp"),
            "added": Input(ids.WATCH_ADD, "value"),
            "click": Input(ids.WATCH_GRID, "cellClicked"),
        },
        state={"saved": State(ids.WATCH_SAVED, "data"), "current": State(ids.WATCH, "data")},
        prevent_initial_call="initial_duplicate",
    )
    def _watch(saved_at: object, **values: Any) -> WatchEdit:
        return edit_watch(ctx.triggered_id, default=default, known=known, **values)

    @app.callback(
        output=Output(ids.WATCH_ADD, "options"),
        inputs={"text": Input(ids.WATCH_ADD, "search_value"), "value": Input(ids.WATCH_ADD, "value")},
    )
    def _add_options(text: str | None, value: object) -> list[dict[str, str]]:
        # As the ticker box does: the picked symbol stays an option, so the box keeps it until added.
        return search.options(text, selected=[value] if isinstance(value, str) else [])

    @app.callback(
        output=[
            Output(ids.WATCH_GRID, "rowData"),
            Output(ids.RULE_SYMBOL, "options"),
            Output(ids.RULE_SYMBOL, "value", allow_duplicate=True),
        ],
        inputs={"watch": Input(ids.WATCH, "data")},
        state={"rule_symbol": State(ids.RULE_SYMBOL, "value")},
        prevent_initial_call="initial_duplicate",
    )
    def _rows(watch: object, rule_symbol: object) -> WatchRows:
        return watch_rows(services, day_reads, watch=watch, rule_symbol=rule_symbol, now=datetime.now(UTC))

    @app.callback(
        output=Output(ids.WATCH_GRID, "columnDefs"),
        inputs={"viewport": Input(ids.VIEWPORT, "data")},
        prevent_initial_call=True,
    )
    def _columns_for(viewport: object) -> list[dict[str, Any]]:
        narrow = isinstance(viewport, dict) and viewport.get("narrow") is True
        return columns(narrow=narrow)

    # In the browser (assets/live.js): row updates as an AG Grid transaction on the rows the grid
    # holds (a refresh may cross a watchlist edit).
    app.clientside_callback(
        ClientsideFunction("live", "update_rows"),
        output=Output(ids.WATCH_GRID, "rowTransaction"),
        inputs=[Input(ids.LIVE_ROWS, "data")],
        state=[State(ids.WATCH_GRID, "rowData")],
        prevent_initial_call=True,
    )
