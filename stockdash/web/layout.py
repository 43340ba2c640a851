"""The page: built per request (a function), so every visit reads fresh freshness figures."""

from __future__ import annotations

from datetime import datetime

import dash_ag_grid as dag
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from stockdash import movers as movers_mod
from stockdash.universe import GROUP_LABELS
from stockdash.web import ids
from stockdash.web.figures import OVERLAY_OPTIONS
from stockdash.web.queries import DEFAULT_PERIOD, PERIODS, Freshness, Services, freshness
from stockdash.web.search import options as search_options

DEFAULT_SYMBOL = "AAPL"
DEFAULT_OVERLAYS = ["sma50", "sma200"]
MAX_COMPARE = 5


def _when(ts: datetime) -> str:
    return ts.strftime("%d %b %Y %H:%M UTC")


def freshness_bar(info: Freshness | None, error: str | None = None) -> list:
    """Demo badge, provider, last pull and newest session: what the visitor is looking at."""
    if error:
        return [html.Span(error, className="pill pill-error")]
    parts: list = []
    if info.is_demo:
        parts.append(
            html.Span(
                "Demo data",
                className="pill pill-demo",
                title="Generated offline by the demo provider: not real market prices",
            )
        )
    provider = {"demo": "Demo provider", "yahoo": "Yahoo Finance"}.get(info.provider or "", "No data yet")
    parts.append(html.Span(provider, className="meta"))
    if info.last_pull:
        parts.append(html.Span(f"Last pull {_when(info.last_pull)}", className="meta"))
    else:
        parts.append(html.Span("No successful pull yet", className="meta"))
    if info.latest_bar:
        parts.append(html.Span(f"Prices to {info.latest_bar:%d %b %Y}", className="meta"))
    return parts


def _segmented(id_: str, options: list, value) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=id_,
        options=options,
        value=value,
        inline=True,
        className="segmented",
        inputClassName="seg-input",
        labelClassName="seg-label",
    )


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


def chart_card() -> html.Section:
    return html.Section(
        className="card",
        children=[
            html.Div(
                className="pickers",
                children=[
                    html.Div(
                        className="picker picker-main",
                        children=[
                            html.Label("Ticker", htmlFor=ids.TICKER, className="field-label"),
                            dcc.Dropdown(
                                id=ids.TICKER,
                                options=search_options("", selected=[DEFAULT_SYMBOL]),
                                value=DEFAULT_SYMBOL,
                                clearable=False,
                                placeholder="Search a symbol or company, e.g. Microsoft",
                                maxHeight=360,
                                className="dd",
                            ),
                        ],
                    ),
                    html.Div(
                        className="picker picker-compare",
                        children=[
                            html.Label(
                                f"Compare (up to {MAX_COMPARE})", htmlFor=ids.COMPARE, className="field-label"
                            ),
                            dcc.Dropdown(
                                id=ids.COMPARE,
                                options=search_options(""),
                                value=[],
                                multi=True,
                                placeholder="Add tickers to compare as % change",
                                maxHeight=360,
                                className="dd",
                            ),
                        ],
                    ),
                ],
            ),
            html.Div(id=ids.QUOTE, className="quote"),
            html.Div(
                className="controls",
                children=[
                    _segmented(ids.PERIOD, PERIODS, DEFAULT_PERIOD),
                    dcc.DatePickerRange(
                        id=ids.DATES,
                        display_format="D MMM YYYY",
                        start_date_placeholder_text="From",
                        end_date_placeholder_text="To",
                        clearable=True,
                        className="dates",
                    ),
                    _segmented(
                        ids.CHART_TYPE,
                        [{"label": "Candles", "value": "candles"}, {"label": "Line", "value": "line"}],
                        "candles",
                    ),
                    dcc.Checklist(
                        id=ids.OVERLAYS,
                        options=[{"label": v, "value": k} for k, v in OVERLAY_OPTIONS.items()],
                        value=DEFAULT_OVERLAYS,
                        inline=True,
                        className="chips",
                        inputClassName="chip-input",
                        labelClassName="chip-label",
                    ),
                    html.A("Download CSV", id=ids.DOWNLOAD, href="#", className="button", download=""),
                ],
            ),
            html.Div(id=ids.NOTICE, className="notice", role="status"),
            dcc.Loading(
                dcc.Graph(
                    id=ids.GRAPH,
                    config={
                        "displaylogo": False,
                        "responsive": True,
                        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                    },
                    className="price-graph",
                ),
                type="dot",
                delay_show=400,
                color="#4f46e5",
            ),
        ],
    )


def movers_card() -> html.Section:
    return html.Section(
        className="card",
        children=[
            html.Div(
                className="card-head",
                children=[
                    html.Div([html.H2("Market movers"), html.Span(id=ids.MOVERS_AS_OF, className="meta")]),
                    html.Div(
                        className="controls",
                        children=[
                            _segmented(
                                ids.HORIZON,
                                [{"label": v, "value": k} for k, v in movers_mod.HORIZON_LABELS.items()],
                                "1d",
                            ),
                            _segmented(
                                ids.GROUP,
                                [{"label": GROUP_LABELS[g], "value": g} for g in movers_mod.GROUPS],
                                "sp500",
                            ),
                        ],
                    ),
                ],
            ),
            html.Div(id=ids.MOVERS_NOTICE, className="notice", role="status"),
            html.Div(
                className="movers",
                children=[
                    html.Div(
                        [html.H3("Top gainers", className="gain"), _grid(ids.GAINERS)], className="mover-col"
                    ),
                    html.Div(
                        [html.H3("Top losers", className="loss"), _grid(ids.LOSERS)], className="mover-col"
                    ),
                ],
            ),
            html.P("Click a row or a tile to chart it.", className="hint"),
            dcc.Graph(id=ids.TREEMAP, config={"displaylogo": False, "displayModeBar": False}),
        ],
    )


def page(services: Services | None) -> html.Div:
    """The whole page; the database being down costs the freshness line, never the page.

    `services=None` gives the static copy Dash validates callback ids against.
    """
    bar: list = []
    if services is not None:
        try:
            bar = freshness_bar(freshness(services))
        except SQLAlchemyError:
            bar = freshness_bar(None, "Database unavailable: prices cannot be shown right now")
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.VIEW),
            dcc.Store(id=ids.SCROLL_SINK),
            html.Header(
                className="topbar",
                children=[
                    html.Div(
                        className="brand",
                        children=[
                            html.Span("▲", className="logo"),
                            html.Span("stockdash"),
                            html.Small("daily prices & movers"),
                        ],
                    ),
                    html.Div(bar, id=ids.FRESHNESS, className="freshness"),
                ],
            ),
            html.Main(className="content", children=[chart_card(), movers_card()]),
            html.Footer(
                className="footer",
                children="Daily bars after the close; prices in USD. Not investment advice.",
            ),
        ],
    )
