"""The screener tab: presets, group, sector, sort, the filter builder and its chips, the grid."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from stockdash.screener import FIELDS, GROUPS, LABELS, OPERATORS, PRESETS
from stockdash.universe import GROUP_LABELS, catalogue
from stockdash.web import ids
from stockdash.web.components import card, chips, grid, loading, segmented

DEFAULT_SCREEN: dict[str, Any] = {
    "preset": "most_active",
    "group": "sp500",
    "sector": None,
    "filters": [],
    "sort": "-dollar_volume_20",
}
SHOWN_ROWS = 500  # rows per page sent to the browser; the pager reaches every match


def sort_options() -> list[dict]:
    options = [{"label": "Symbol A→Z", "value": "symbol"}]
    for name in FIELDS:
        if name in ("name", "sector", "kind"):
            continue
        options += [
            {"label": f"{LABELS[name]} ↓", "value": f"-{name}"},
            {"label": f"{LABELS[name]} ↑", "value": name},
        ]
    return options


def sector_options() -> list[dict]:
    sectors = sorted({s for s in catalogue()["sector"] if s})
    return [{"label": s, "value": s} for s in sectors]


def _dropdown(
    id_: str, options: list[dict], value: str | None, *, placeholder: str, width: int, clearable: bool = False
) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=id_,
        options=options,
        value=value,
        placeholder=placeholder,
        clearable=clearable,
        searchable=True,
        className="screen-dropdown",
        style={"minWidth": f"{width}px"},
    )


def _filter_builder() -> html.Div:
    fields = [{"label": LABELS[f], "value": f} for f in FIELDS]
    ops = [{"label": op, "value": op} for op in ("<", "<=", ">", ">=", "=", "!=") if op in OPERATORS]
    return html.Div(
        [
            _dropdown(ids.SCREEN_FIELD, fields, "rsi14", placeholder="Field", width=170),
            _dropdown(ids.SCREEN_OP, ops, "<", placeholder="Op", width=70),
            dcc.Input(
                id=ids.SCREEN_VALUE,
                type="text",
                placeholder="value, true/false",
                debounce=True,
                className="screen-value",
            ),
            html.Button("Add filter", id=ids.SCREEN_ADD, n_clicks=0, className="btn"),
        ],
        className="controls screen-builder",
    )


def screener_grid(rows: list[dict], columns: list[dict]) -> dag.AgGrid:
    g = grid(
        ids.SCREEN_GRID,
        rows=rows,
        columns=columns,
        empty="No symbol matches this screen",
        row_height=32,
        class_name="screen-grid",
        domLayout="normal",
        animateRows=False,  # a screenshot (or a glance) never catches rows mid-move
    )
    g.csvExportParams = {"fileName": "screener.csv", "columnKeys": None}
    g.style = {"width": "100%", "height": "560px"}
    return g


def _pager() -> html.Div:
    """Pages of SHOWN_ROWS matches in the sort picker's order; the count says which are shown."""
    return html.Div(
        [
            html.Button(
                f"‹ Previous {SHOWN_ROWS}", id=ids.SCREEN_PREV, n_clicks=0, className="btn", disabled=True
            ),
            html.Button(
                f"Next {SHOWN_ROWS} ›", id=ids.SCREEN_NEXT, n_clicks=0, className="btn", disabled=True
            ),
            dcc.Store(id=ids.SCREEN_PAGE, data=0),
        ],
        className="controls screen-pager",
    )


def screener_card() -> html.Section:
    presets = [{"label": p.label, "value": k} for k, p in PRESETS.items()]
    groups = [{"label": GROUP_LABELS[g], "value": g} for g in GROUPS]
    return card(
        html.Div(
            [
                html.Div([html.H2("Screener"), html.Span(id=ids.SCREEN_COUNT, className="meta")]),
                html.Button("Export CSV", id=ids.SCREEN_CSV, n_clicks=0, className="btn"),
            ],
            className="card-head",
        ),
        html.Div(
            [
                _dropdown(
                    ids.SCREEN_PRESET,
                    presets,
                    DEFAULT_SCREEN["preset"],
                    placeholder="Preset",
                    width=220,
                    clearable=True,
                ),
                segmented(ids.SCREEN_GROUP, groups, DEFAULT_SCREEN["group"]),
                _dropdown(
                    ids.SCREEN_SECTOR,
                    sector_options(),
                    None,
                    placeholder="Any sector",
                    width=180,
                    clearable=True,
                ),
                _dropdown(
                    ids.SCREEN_SORT, sort_options(), DEFAULT_SCREEN["sort"], placeholder="Sort", width=170
                ),
            ],
            className="controls",
        ),
        _filter_builder(),
        chips(ids.SCREEN_FILTERS, [], []),
        html.Div(id=ids.SCREEN_NOTE, className="notice", role="status"),
        loading(html.Div(screener_grid([], []), className="screen-body")),
        _pager(),
        html.P(
            "Click a row to chart it. Headers sort the page shown; the sort picker orders all matches.",
            className="hint",
        ),
    )


def tabs() -> html.Nav:
    """Chart or screener: the two views of the page."""
    return html.Nav(
        segmented(
            ids.TABS,
            [{"label": "Chart", "value": "chart"}, {"label": "Screener", "value": "screener"}],
            "chart",
        ),
        className="tabs",
    )
