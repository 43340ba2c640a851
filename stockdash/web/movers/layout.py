"""The movers card: horizon and group buttons, gainers and losers grids, the sector map."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from stockdash.movers import GROUPS, HORIZON_LABELS
from stockdash.universe import GROUP_LABELS
from stockdash.web import ids
from stockdash.web.components import NUM, SIGN, card, grid, loading, segmented
from stockdash.web.view import DEFAULT_GROUP, DEFAULT_HORIZON

# On a phone a table keeps symbol, close and % change; the rest would push them off screen.
WIDE_ONLY = ("name", "change", "volume")


def _grid(id_: str, rows: list[dict], *, narrow: bool) -> dag.AgGrid:
    columns = [
        {"field": "symbol", "headerName": "Symbol", "width": 84, "cellClass": ["sym"]},
        {"field": "name", "headerName": "Name", "flex": 1, "minWidth": 120, "tooltipField": "name"},
        {
            "field": "close",
            "headerName": "Close",
            "width": 84,
            **NUM,
            "valueFormatter": {"function": "d3.format(',.2f')(params.value)"},
        },
        {
            "field": "change",
            "headerName": "Change",
            "width": 84,
            **NUM,
            "valueFormatter": {"function": "d3.format('+,.2f')(params.value)"},
            "cellClassRules": SIGN,
        },
        {
            "field": "pct_change",
            "headerName": "% Change",
            "width": 92,
            **NUM,
            "valueFormatter": {"function": "d3.format('+.2f')(params.value) + '%'"},
            "cellClassRules": SIGN,
        },
        {
            "field": "volume",
            "headerName": "Volume",
            "width": 104,
            **NUM,
            "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.0f')(params.value)"},
        },
    ]
    return grid(
        id_,
        rows=rows,
        columns=[{**c, "hide": narrow and c["field"] in WIDE_ONLY} for c in columns]
        if not narrow
        else [{**c, "hide": c["field"] in WIDE_ONLY, "flex": 1} for c in columns],
        empty="No movers for this selection",
        row_height=34,
        class_name="movers-grid",
    )


def _head(horizon: str, group: str) -> html.Div:
    horizons = [{"label": v, "value": k} for k, v in HORIZON_LABELS.items()]
    groups = [{"label": GROUP_LABELS[g], "value": g} for g in GROUPS]
    return html.Div(
        [
            html.Div([html.H2("Market movers"), html.Span(id=ids.MOVERS_AS_OF, className="meta")]),
            html.Div(
                [segmented(ids.HORIZON, horizons, horizon), segmented(ids.GROUP, groups, group)],
                className="controls",
            ),
        ],
        className="card-head",
    )


def _column(title: str, class_name: str, grid: dag.AgGrid | html.Div) -> html.Div:
    return html.Div([html.H3(title, className=class_name), grid], className="mover-col")


def movers_body(
    gainers: list[dict], losers: list[dict], treemap: dict | None, *, narrow: bool = False
) -> list:
    """The two tables and the sector map, as the movers callback mounts them."""
    return [
        html.Div(
            [
                _column("Top gainers", "gain", _grid(ids.GAINERS, gainers, narrow=narrow)),
                _column("Top losers", "loss", _grid(ids.LOSERS, losers, narrow=narrow)),
            ],
            className="movers",
        ),
        html.P("Click a row or a tile to chart it.", className="hint"),
        *_captioned_map(treemap),
    ]


def _captioned_map(treemap: dict | None) -> list:
    """The sector map under its caption, the figure's title moved into the page: plotly draws a
    title on one line (cut at a phone's width) in the top margin its zoomed path bar also uses; as
    text above the map it wraps and never overlaps the map, and the margin is the path bar's."""
    layout = (treemap or {}).get("layout", {})
    title = (layout.get("title") or {}).get("text", "")
    if treemap is not None and title:
        treemap = {**treemap, "layout": {k: v for k, v in layout.items() if k != "title"}}
    return [
        html.P(title, className="map-caption"),
        dcc.Graph(id=ids.TREEMAP, figure=treemap, config={"displaylogo": False, "displayModeBar": False}),
    ]


def _skeleton_rows() -> html.Div:
    return html.Div([html.Div(className="skeleton-row") for _ in range(10)], className="skeleton-table")


def skeleton() -> list:
    """What the card shows until the movers arrive: grey rows where the tables will be, not an empty card."""
    return [
        html.Div(
            [
                _column("Top gainers", "gain", _skeleton_rows()),
                _column("Top losers", "loss", _skeleton_rows()),
            ],
            className="movers",
            role="status",
            title="Loading the market movers",
        ),
        html.Div(className="skeleton-map"),
    ]


def movers_card(view: dict, *, static: bool = False) -> html.Section:
    """The card with the linked view's horizon and group; its tables mount after the first chart
    (`static`: with them, for Dash's id checks)."""
    body = movers_body([], [], None) if static else skeleton()
    return card(
        _head(view.get("horizon", DEFAULT_HORIZON), view.get("group", DEFAULT_GROUP)),
        html.Div(id=ids.MOVERS_NOTICE, className="notice", role="status"),
        loading(html.Div(body, id=ids.MOVERS_BODY, className="movers-body")),
    )
