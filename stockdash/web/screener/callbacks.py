"""The screener's callbacks: the screen ⇄ the URL's #screener part and the controls, and the grid.

The screen lives in the URL's hash (`#screener?preset=…&where=rsi14<30&sort=-pct_1d`), so the
chart's own query string (symbol, period) and the screen never overwrite each other, and a link
reopens both. Thin callbacks: `screen_sync` and `screen_rows` are plain functions.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from stockdash import screener, store
from stockdash.errors import error_text
from stockdash.stats import window_sessions
from stockdash.web import ids
from stockdash.web.components import DB_DOWN, OOPS, notice
from stockdash.web.screener import figures
from stockdash.web.screener.layout import DEFAULT_SCREEN, SHOWN_ROWS
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

HASH = "#screener"
SPARK_SESSIONS = 63  # three months of closes
NO_SNAPSHOT = "No screener figures yet: they are computed after the daily pull (python worker.py stats)."


def screen_of_hash(hash_: str | None) -> tuple[dict, list[str]]:
    """The screen a `#screener?…` hash asks for; parts that are not valid are left out and named."""
    query = (hash_ or "")[len(HASH) :].lstrip("?")
    params = parse_qs(query[:4000])
    notes: list[str] = []
    screen = dict(DEFAULT_SCREEN)
    preset = (params.get("preset") or [""])[-1]
    screen["preset"] = preset if preset in screener.PRESETS else None
    group = (params.get("group") or [str(DEFAULT_SCREEN["group"])])[-1]
    screen["group"] = group if group in screener.GROUPS else DEFAULT_SCREEN["group"]
    sector = (params.get("sector") or [""])[-1][:64]
    screen["sector"] = sector or None
    filters = []
    for text in params.get("where", [])[: screener.MAX_FILTERS]:
        try:
            filters.append(screener.parse_filter(text).text())
        except screener.ScreenError as exc:
            notes.append(f"Left out: {exc}.")
    screen["filters"] = filters
    try:
        screen["sort"] = screener.parse_sort((params.get("sort") or [str(DEFAULT_SCREEN["sort"])])[-1]).text()
    except screener.ScreenError as exc:
        notes.append(f"Left out: {exc}.")
    if "preset" in params and screen["preset"] is None:
        notes.append("Left out: an unknown preset.")
    return screen, notes


def hash_of(screen: dict) -> str:
    params: list[tuple[str, str]] = []
    if screen.get("preset"):
        params.append(("preset", screen["preset"]))
    params.append(("group", screen["group"]))
    if screen.get("sector"):
        params.append(("sector", screen["sector"]))
    params += [("where", f) for f in screen.get("filters") or []]
    params.append(("sort", screen["sort"]))
    return f"{HASH}?{urlencode(params, safe='<>=!,-')}"


def _chip_options(filters: list[str]) -> list[dict]:
    return [{"label": f"{f} ✕", "value": f} for f in filters]


def _clean(shown: object) -> dict:
    """The screen in the store, checked: a request may carry anything there."""
    if not isinstance(shown, dict):
        return dict(DEFAULT_SCREEN)
    return screen_of_hash(
        hash_of({**DEFAULT_SCREEN, **{k: shown.get(k) for k in DEFAULT_SCREEN if shown.get(k) is not None}})
    )[0]


def screen_sync(trigger: str | None, values: dict) -> tuple:
    """URL hash ⇄ tab and controls ⇄ screen. Returns (hash, tab, preset, group, sector, sort,
    chip options, chip values, value box, note, screen)."""
    hash_ = values.get("hash")
    if trigger in (None, ids.URL):
        if not isinstance(hash_, str) or not hash_.startswith(HASH):
            if values.get("tab") == "screener" and trigger == ids.URL:
                return (no_update, "chart", *[no_update] * 9)
            raise PreventUpdate
        screen, notes = screen_of_hash(hash_)
        chips = _chip_options(screen["filters"])
        return (
            no_update, "screener", screen["preset"], screen["group"], screen["sector"], screen["sort"],
            chips, screen["filters"], no_update, notice(*notes), screen,
        )  # fmt: skip
    screen = _clean(values.get("shown"))
    out: dict[str, Any] = {k: no_update for k in ("preset", "sort", "chips", "chip_values", "value")}
    note: list = []
    if trigger == ids.TABS:
        if values.get("tab") != "screener":
            return ("", *[no_update] * 10)
        return (hash_of(screen), *[no_update] * 9, screen)  # the store set: the grid fills now
    if trigger == ids.SCREEN_PRESET:
        preset = screener.PRESETS.get(values.get("preset") or "")
        if preset is None:
            screen["preset"] = None
        else:
            screen.update(preset=values["preset"], filters=list(preset.filters), sort=preset.sort)
            out["sort"] = preset.sort
            out["chips"], out["chip_values"] = _chip_options(screen["filters"]), screen["filters"]
    elif trigger == ids.SCREEN_GROUP and values.get("group") in screener.GROUPS:
        screen["group"] = values["group"]
    elif trigger == ids.SCREEN_SECTOR:
        sector = values.get("sector")
        screen["sector"] = sector[:64] if isinstance(sector, str) and sector else None
    elif trigger == ids.SCREEN_SORT:
        try:
            screen["sort"] = screener.parse_sort(values.get("sort")).text()
        except screener.ScreenError:
            raise PreventUpdate from None
    elif trigger == ids.SCREEN_FILTERS:
        kept = values.get("chip_values") if isinstance(values.get("chip_values"), list) else []
        screen["filters"] = [f for f in screen["filters"] if f in (kept or [])]
        out["chips"], out["chip_values"] = _chip_options(screen["filters"]), screen["filters"]
    elif trigger in (ids.SCREEN_ADD, ids.SCREEN_VALUE):
        field, op, value = (values.get(k) for k in ("field", "op", "value"))
        if not all(isinstance(v, str) and v.strip() for v in (field, op, value)):
            raise PreventUpdate  # nothing typed yet
        try:
            text = screener.parse_filter(f"{field}{op}{str(value).strip()}").text()
        except screener.ScreenError as exc:
            return (*[no_update] * 9, notice(str(exc)), no_update)
        if text not in screen["filters"] and len(screen["filters"]) < screener.MAX_FILTERS:
            screen["filters"].append(text)
        out["chips"], out["chip_values"], out["value"] = (
            _chip_options(screen["filters"]),
            screen["filters"],
            "",
        )
    else:
        raise PreventUpdate
    return (
        hash_of(screen), no_update, out["preset"], no_update, no_update, out["sort"],
        out["chips"], out["chip_values"], out["value"], note, screen,
    )  # fmt: skip


def _sparks(conn: Connection, as_of: date, symbols: list[str]) -> dict[str, list[float]]:
    """Three months of closes per symbol (split-adjusted on today's basis)."""
    if not symbols:
        return {}
    days = window_sessions(as_of, SPARK_SESSIONS)
    bars = store.bars_on(conn, days, symbols).sort_values(["symbol", "date"])
    return {s: [round(float(v), 4) for v in g["close"]] for s, g in bars.groupby("symbol")}


def page_offset(trigger: str | None, offset: object, page: int = SHOWN_ROWS) -> int:
    """The offset of the page to show: the first for a new screen, one page on or back for the
    pager, the same page for anything else (a phone turned)."""
    current = offset if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0 else 0
    if trigger == ids.SCREEN:
        return 0
    if trigger == ids.SCREEN_NEXT:
        return current + page
    if trigger == ids.SCREEN_PREV:
        return max(0, current - page)
    return current


def screen_rows(
    services: Services, shown: object, viewport: object, offset: int = 0, page: int = SHOWN_ROWS
) -> tuple:
    """(grid rows, grid columns, CSV export settings, count text, notice, offset shown, previous
    disabled, next disabled) for one page of the screen shown, `page` rows from `offset` (the last
    page when there are fewer matches)."""
    screen = _clean(shown)
    narrow = isinstance(viewport, dict) and viewport.get("narrow") is True
    cols = figures.columns(screen, narrow=narrow)
    csv_params = {
        "fileName": "screener.csv",
        "columnKeys": [c["field"] for c in cols if c["field"] != "spark"],
    }
    wanted = screener.Screen(
        group=screen["group"],
        sector=screen["sector"],
        filters=[screener.parse_filter(f) for f in screen["filters"]],
        sort=screener.parse_sort(screen["sort"]),
        limit=page,
        offset=offset,
    )
    nothing: tuple[list, list[dict], dict, str] = ([], cols, csv_params, "")
    try:
        with services.engine_if_up().connect() as conn:
            result = screener.run(conn, wanted)
            if not result.rows and result.count and wanted.offset:  # past the end: the last page
                wanted.offset = (result.count - 1) // page * page
                result = screener.run(conn, wanted)
            sparks = _sparks(conn, result.as_of, [r["symbol"] for r in result.rows])
    except screener.NoSnapshot:
        return (*nothing, notice(NO_SNAPSHOT), 0, True, True)
    except SQLAlchemyError as exc:
        log.error("web screener database error: %s", error_text(exc))
        return (*nothing, notice(DB_DOWN), no_update, no_update, no_update)
    except Exception:
        log.exception("web screener failed")
        return (*nothing, notice(OOPS), no_update, no_update, no_update)
    rows = []
    for r in result.rows:
        spark = sparks.get(r["symbol"], [])
        rows.append({**r, "spark": spark, "change": (spark[-1] - spark[0]) if len(spark) > 1 else None})
    start = wanted.offset
    count = figures.count_text(result, start, len(rows))
    return rows, cols, csv_params, count, [], start, start == 0, start + len(rows) >= result.count


def register(app: Dash, services: Services) -> None:
    @app.callback(
        output=[
            Output(ids.URL, "hash"),
            Output(ids.TABS, "value"),
            Output(ids.SCREEN_PRESET, "value"),
            Output(ids.SCREEN_GROUP, "value"),
            Output(ids.SCREEN_SECTOR, "value"),
            Output(ids.SCREEN_SORT, "value"),
            Output(ids.SCREEN_FILTERS, "options"),
            Output(ids.SCREEN_FILTERS, "value"),
            Output(ids.SCREEN_VALUE, "value"),
            Output(ids.SCREEN_NOTE, "children"),
            Output(ids.SCREEN, "data"),
        ],
        inputs={
            "hash": Input(ids.URL, "hash"),
            "tab": Input(ids.TABS, "value"),
            "preset": Input(ids.SCREEN_PRESET, "value"),
            "group": Input(ids.SCREEN_GROUP, "value"),
            "sector": Input(ids.SCREEN_SECTOR, "value"),
            "sort": Input(ids.SCREEN_SORT, "value"),
            "chip_values": Input(ids.SCREEN_FILTERS, "value"),
            "add": Input(ids.SCREEN_ADD, "n_clicks"),
            "submitted": Input(ids.SCREEN_VALUE, "n_submit"),
        },
        state={
            "field": State(ids.SCREEN_FIELD, "value"),
            "op": State(ids.SCREEN_OP, "value"),
            "value": State(ids.SCREEN_VALUE, "value"),
            "shown": State(ids.SCREEN, "data"),
        },
    )
    def _sync(**values: Any) -> tuple[Any, ...]:
        return screen_sync(ctx.triggered_id, values)

    # Every output may be set by another callback too (the note by _sync): all allow duplicates.
    @app.callback(
        output=[
            Output(id_, prop, allow_duplicate=True)
            for id_, prop in [
                (ids.SCREEN_GRID, "rowData"),
                (ids.SCREEN_GRID, "columnDefs"),
                (ids.SCREEN_GRID, "csvExportParams"),
                (ids.SCREEN_COUNT, "children"),
                (ids.SCREEN_NOTE, "children"),
                (ids.SCREEN_PAGE, "data"),
                (ids.SCREEN_PREV, "disabled"),
                (ids.SCREEN_NEXT, "disabled"),
            ]
        ],
        inputs={
            "shown": Input(ids.SCREEN, "data"),
            "viewport": Input(ids.VIEWPORT, "data"),
            "_previous": Input(ids.SCREEN_PREV, "n_clicks"),
            "_next": Input(ids.SCREEN_NEXT, "n_clicks"),
            "tab": Input(ids.TABS, "value"),
        },
        state={"offset": State(ids.SCREEN_PAGE, "data")},
        prevent_initial_call=True,
    )
    def _rows(
        shown: object, viewport: object, _previous: object, _next: object, tab: object, offset: object
    ) -> tuple[Any, ...]:
        # The hidden tab's grid stays empty until it is opened: a page load that only charts
        # (most of them) neither reads nor downloads 500 rows with their sparklines.
        if tab != "screener":
            raise PreventUpdate
        return screen_rows(services, shown, viewport, page_offset(ctx.triggered_id, offset))

    # In the browser: which tab shows, a clicked row charts its symbol, the CSV of what is shown.
    app.clientside_callback(
        ClientsideFunction("screener", "show_tab"),
        output=[Output(ids.CHART_TAB, "style"), Output(ids.SCREENER_TAB, "style")],
        inputs=[Input(ids.TABS, "value")],
    )
    app.clientside_callback(
        ClientsideFunction("screener", "row_clicked"),
        output=[
            Output(ids.TICKER, "value", allow_duplicate=True),
            Output(ids.TABS, "value", allow_duplicate=True),
        ],
        inputs=[Input(ids.SCREEN_GRID, "cellClicked")],
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("screener", "export_csv"),
        output=Output(ids.SCREEN_GRID, "exportDataAsCsv"),
        inputs=[Input(ids.SCREEN_CSV, "n_clicks")],
        prevent_initial_call=True,
    )
