"""The movers card: horizon and group buttons, gainers and losers grids, the sector map."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from stockdash.movers import GROUPS, HORIZON_LABELS
from stockdash.universe import GROUP_LABELS
from stockdash.web import ids
from stockdash.web.components import card, segmented


def _grid(id_: str) -> dag.AgGrid:
    num = {"type": "rightAligned", "cellClass": ["num"]}
    sign = {"pos": {"function": "params.value > 0"}, "neg": {"function": "params.value < 0"}}
    return dag.AgGrid(
        id=id_,
        rowData=[],
        columnDefs=[
            {"field": "symbol", "headerName": "Symbol", "width": 84, "cellClass": ["sym"]},
            {"field": "name", "headerName": "Name", "flex": 1, "minWidth": 120, "tooltipField": "name"},
            {
                "field": "close",
                "headerName": "Close",
                "width": 84,
                **num,
                "valueFormatter": {"function": "d3.format(',.2f')(params.value)"},
            },
            {
                "field": "change",
                "headerName": "Change",
                "width": 84,
                **num,
                "valueFormatter": {"function": "d3.format('+,.2f')(params.value)"},
                "cellClassRules": sign,
            },
            {
                "field": "pct_change",
                "headerName": "% Change",
                "width": 92,
                **num,
                "valueFormatter": {"function": "d3.format('+.2f')(params.value) + '%'"},
                "cellClassRules": sign,
            },
            {
                "field": "volume",
                "headerName": "Volume",
                "width": 104,
                **num,
                "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.0f')(params.value)"},
            },
        ],
        defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True},
        getRowId="params.data.symbol",
        dashGridOptions={
            "domLayout": "autoHeight",
            "rowHeight": 34,
            "headerHeight": 36,
            "suppressCellFocus": True,
            "localeText": {"noRowsToShow": "No movers for this selection"},
            "tooltipShowDelay": 400,
        },
        className="ag-theme-quartz movers-grid",
        style={"width": "100%"},
    )


def _head() -> html.Div:
    horizons = [{"label": v, "value": k} for k, v in HORIZON_LABELS.items()]
    groups = [{"label": GROUP_LABELS[g], "value": g} for g in GROUPS]
    return html.Div(
        [
            html.Div([html.H2("Market movers"), html.Span(id=ids.MOVERS_AS_OF, className="meta")]),
            html.Div(
                [segmented(ids.HORIZON, horizons, "1d"), segmented(ids.GROUP, groups, "sp500")],
                className="controls",
            ),
        ],
        className="card-head",
    )


def _column(title: str, class_name: str, grid_id: str) -> html.Div:
    return html.Div([html.H3(title, className=class_name), _grid(grid_id)], className="mover-col")


def movers_card() -> html.Section:
    return card(
        _head(),
        html.Div(id=ids.MOVERS_NOTICE, className="notice", role="status"),
        html.Div(
            [_column("Top gainers", "gain", ids.GAINERS), _column("Top losers", "loss", ids.LOSERS)],
            className="movers",
        ),
        html.P("Click a row or a tile to chart it.", className="hint"),
        dcc.Graph(id=ids.TREEMAP, config={"displaylogo": False, "displayModeBar": False}),
    )
