"""The chart card: ticker and compare pickers, the quote header, period and overlay controls, the graph."""

from __future__ import annotations

from dash import dcc, html

from stockdash.web import ids
from stockdash.web.chart.figures import OVERLAY_OPTIONS
from stockdash.web.components import segmented
from stockdash.web.search import options as search_options
from stockdash.web.urlstate import DEFAULT_PERIOD, DEFAULT_SYMBOL, MAX_COMPARE, PERIODS

DEFAULT_OVERLAYS = ["sma50", "sma200"]


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
                    segmented(ids.PERIOD, PERIODS, DEFAULT_PERIOD),
                    dcc.DatePickerRange(
                        id=ids.DATES,
                        display_format="D MMM YYYY",
                        start_date_placeholder_text="From",
                        end_date_placeholder_text="To",
                        clearable=True,
                        className="dates",
                    ),
                    segmented(
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
            # Off until a queue worker fetches this chart's prices; then it re-draws the chart.
            dcc.Interval(id=ids.FETCH_POLL, interval=2000, disabled=True),
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
