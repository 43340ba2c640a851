"""The chart card: ticker and compare pickers, the quote header, period and overlay controls, the graph."""

from __future__ import annotations

from dash import dcc, html

from stockdash.web import ids
from stockdash.web.chart.figures import OVERLAY_OPTIONS
from stockdash.web.components import card, segmented
from stockdash.web.search import options as search_options
from stockdash.web.urlstate import DEFAULT_PERIOD, DEFAULT_SYMBOL, MAX_COMPARE, PERIODS

DEFAULT_OVERLAYS = ["sma50", "sma200"]


def _picker(label: str, dropdown: dcc.Dropdown, *, for_id: str, class_name: str) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=for_id, className="field-label"), dropdown],
        className=f"picker {class_name}",
    )


def _pickers() -> html.Div:
    ticker = dcc.Dropdown(
        id=ids.TICKER,
        options=search_options("", selected=[DEFAULT_SYMBOL]),
        value=DEFAULT_SYMBOL,
        clearable=False,
        placeholder="Search a symbol or company, e.g. Microsoft",
        maxHeight=360,
        className="dd",
    )
    compare = dcc.Dropdown(
        id=ids.COMPARE,
        options=search_options(""),
        value=[],
        multi=True,
        placeholder="Add tickers to compare as % change",
        maxHeight=360,
        className="dd",
    )
    return html.Div(
        [
            _picker("Ticker", ticker, for_id=ids.TICKER, class_name="picker-main"),
            _picker(
                f"Compare (up to {MAX_COMPARE})", compare, for_id=ids.COMPARE, class_name="picker-compare"
            ),
        ],
        className="pickers",
    )


def _controls() -> html.Div:
    dates = dcc.DatePickerRange(
        id=ids.DATES,
        display_format="D MMM YYYY",
        start_date_placeholder_text="From",
        end_date_placeholder_text="To",
        clearable=True,
        className="dates",
    )
    overlays = dcc.Checklist(
        id=ids.OVERLAYS,
        options=[{"label": v, "value": k} for k, v in OVERLAY_OPTIONS.items()],
        value=DEFAULT_OVERLAYS,
        inline=True,
        className="chips",
        inputClassName="chip-input",
        labelClassName="chip-label",
    )
    chart_type = [{"label": "Candles", "value": "candles"}, {"label": "Line", "value": "line"}]
    return html.Div(
        [
            segmented(ids.PERIOD, PERIODS, DEFAULT_PERIOD),
            dates,
            segmented(ids.CHART_TYPE, chart_type, "candles"),
            overlays,
            html.A("Download CSV", id=ids.DOWNLOAD, href="#", className="button", download=""),
        ],
        className="controls",
    )


def _graph() -> dcc.Loading:
    return dcc.Loading(
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
    )


def chart_card() -> html.Section:
    return card(
        _pickers(),
        html.Div(id=ids.QUOTE, className="quote"),
        _controls(),
        html.Div(id=ids.NOTICE, className="notice", role="status"),
        _graph(),
        # Off until a queue worker fetches this chart's prices; then it re-draws the chart.
        dcc.Interval(id=ids.FETCH_POLL, interval=2000, disabled=True),
    )
