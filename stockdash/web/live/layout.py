"""The live card: market status, the watchlist table, the live chart, and price alerts."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from stockdash.web import ids
from stockdash.web.components import NUM, SIGN, card, grid, segmented
from stockdash.web.live.alerts import KINDS

REFRESH_MS = 2000  # how often a visible page asks for what is new (the stream writes once a second)
MAX_WATCH = 20


def _columns() -> list[dict]:
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
        {"field": "time", "headerName": "Time (ET)", "width": 92, "cellClass": ["num", "muted"]},
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


def _grid() -> dag.AgGrid:
    return grid(
        ids.WATCH_GRID,
        rows=[],
        columns=_columns(),
        empty="The watchlist is empty: add a symbol above",
        row_height=36,
        class_name="live-grid",
        cellFlashDuration=400,
        cellFadeDuration=600,
    )


def _head() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Live"),
                    html.Span(id=ids.LIVE_DEMO),
                    html.Span(id=ids.LIVE_MARKET, className="market-status"),
                ],
                className="live-title",
            ),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.WATCH_ADD,
                        options=[],
                        value=None,
                        placeholder="Add a symbol to the watchlist",
                        maxHeight=320,
                        className="dd watch-add",
                    ),
                ],
                className="watch-controls",
            ),
        ],
        className="card-head",
    )


def _chart() -> html.Div:
    views = [{"label": "Symbol", "value": "symbol"}, {"label": "Watchlist % change", "value": "all"}]
    types = [{"label": "Candles", "value": "candles"}, {"label": "Line", "value": "line"}]
    return html.Div(
        [
            html.Div(
                [
                    html.Div(id=ids.LIVE_LABEL, className="live-label"),
                    segmented(ids.LIVE_VIEW, views, "symbol"),
                    segmented(ids.LIVE_TYPE, types, "line"),
                ],
                className="controls",
            ),
            dcc.Graph(
                id=ids.LIVE_GRAPH,
                config={"displaylogo": False, "responsive": True, "displayModeBar": False},
                className="live-graph",
            ),
        ],
        className="live-chart",
    )


def _alerts() -> html.Div:
    kinds = [{"label": v, "value": k} for k, v in KINDS.items()]
    form = html.Div(
        [
            dcc.Dropdown(
                id=ids.RULE_SYMBOL, options=[], placeholder="Symbol", clearable=False, className="dd"
            ),
            dcc.Dropdown(id=ids.RULE_KIND, options=kinds, value="above", clearable=False, className="dd"),
            dcc.Input(id=ids.RULE_VALUE, type="text", placeholder="Level or %", className="in"),
            dcc.Input(
                id=ids.RULE_MINUTES, type="text", inputMode="numeric", placeholder="Minutes", className="in"
            ),
            html.Button("Add alert", id=ids.RULE_ADD, n_clicks=0, className="button button-plain"),
        ],
        className="rule-form",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H3("Alerts"),
                    html.Button(
                        "Allow notifications", id=ids.NOTIFY, n_clicks=0, className="button button-plain"
                    ),
                    html.Span(id=ids.NOTIFY_STATE, className="meta"),
                ],
                className="alerts-head",
            ),
            form,
            html.Div(id=ids.RULE_NOTE, className="notice", role="status"),
            html.Div(
                [
                    html.Div([html.H4("Rules"), html.Ul(id=ids.RULE_LIST, className="rule-list")]),
                    html.Div([html.H4("Fired"), html.Ul(id=ids.FIRED_LIST, className="fired-list")]),
                ],
                className="alerts-lists",
            ),
        ],
        className="alerts",
    )


def live_card() -> html.Section:
    return card(
        dcc.Interval(id=ids.LIVE_TICK, interval=REFRESH_MS, n_intervals=0),
        dcc.Store(id=ids.WATCH),
        dcc.Store(id=ids.WATCH_SAVED, storage_type="local"),
        dcc.Store(id=ids.LIVE_FOCUS),
        dcc.Store(id=ids.LIVE_HELD),
        dcc.Store(id=ids.RULES, storage_type="local"),
        dcc.Store(id=ids.RULE_STATE, storage_type="local"),
        dcc.Store(id=ids.FIRED, storage_type="local"),
        dcc.Store(id=ids.LIVE_SINK),
        dcc.Store(id=ids.LIVE_ROWS),
        _head(),
        html.Div(id=ids.WATCH_NOTE, className="notice", role="status"),
        _grid(),
        html.P("Click a row to chart its session; ✕ removes it.", className="hint"),
        _chart(),
        _alerts(),
        html.Div(id=ids.TOASTS, className="toasts", role="status"),
    )
