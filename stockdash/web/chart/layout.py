"""The chart card: ticker and compare pickers, the quote header, period and overlay controls, the graph.

Built for the view a link asks for, with the chart already in it: a first visit draws without
waiting for a callback.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from dash import dcc, html

from stockdash.web import ids
from stockdash.web.chart.controls import analysis_controls, basis_options, single_only_controls
from stockdash.web.chart.options import DEFAULT_CHART_TYPE, DEFAULT_OVERLAYS
from stockdash.web.components import chips, loading, segmented
from stockdash.web.urlstate import CUSTOM, MAX_COMPARE, PERIODS, compare_options, ticker_options
from stockdash.web.view import View


def _picker(label: str, dropdown: dcc.Dropdown, *, for_id: str, class_name: str) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=for_id, className="field-label"), dropdown],
        className=f"picker {class_name}",
    )


class _DropdownKind(TypedDict, total=False):
    """What sets the ticker box apart from the compare box (Dash's defaults unless given)."""

    clearable: bool
    multi: bool
    disabled: bool


def _dropdown(
    id_: str, options: list[dict], value: str | list[str], placeholder: str, **kind: Unpack[_DropdownKind]
) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=id_, options=options, value=value, placeholder=placeholder, maxHeight=360, className="dd", **kind
    )


def _pickers(view: dict) -> html.Div:
    symbol, others = view["symbol"], view["compare"]
    ticker = _dropdown(
        ids.TICKER,
        ticker_options(symbol),
        symbol,
        "Search a symbol or company, e.g. Microsoft",
        clearable=False,
    )
    compare = _dropdown(
        ids.COMPARE,
        compare_options(others),
        others,
        "Add tickers to compare as % change",
        multi=True,
        disabled=View.from_store(view).intraday,  # as the controls callback says, from the first paint
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


def _controls(view: dict, href: str | None) -> html.Div:
    dates = dcc.DatePickerRange(
        id=ids.DATES,
        start_date=view["start"],
        end_date=view["end"],
        display_format="D MMM YYYY",
        start_date_placeholder_text="From",
        end_date_placeholder_text="To",
        clearable=True,
        className="dates",
    )
    chart_types, overlay_options, hint = single_only_controls(view)
    chart_type = view.get("chart_type", DEFAULT_CHART_TYPE)
    overlays = chips(ids.OVERLAYS, overlay_options, view.get("overlays", DEFAULT_OVERLAYS))
    period = None if view["period"] == CUSTOM else view["period"]
    return html.Div(
        [
            html.Div(
                [segmented(ids.PERIOD, PERIODS, period), dates],
                className="control-group",
            ),
            html.Div(
                [segmented(ids.CHART_TYPE, chart_types, chart_type), overlays],
                className="control-group",
            ),
            _analysis(view),
            html.A("Download CSV", id=ids.DOWNLOAD, href=href, className="button", download=""),
            html.Div(hint, id=ids.COMPARE_HINT, className="hint compare-hint"),
        ],
        className="controls",
    )


def _analysis(view: dict) -> html.Div:
    """Interval, price basis and the indicators menu: a dropdown stays one line on a phone."""
    indicator_options, interval_options = analysis_controls(view)
    menu = dcc.Dropdown(
        id=ids.INDICATORS,
        options=indicator_options,
        value=view.get("indicators", []),
        multi=True,
        searchable=False,
        clearable=True,
        placeholder="Indicators: EMA, Bollinger, RSI, MACD, ATR…",
        className="dd indicators-menu",
    )
    return html.Div(
        [
            segmented(ids.INTERVAL, interval_options, view.get("interval")),
            segmented(ids.BASIS, basis_options(), view.get("basis", "price")),
            html.Div(menu, className="indicators-picker", title="Indicators"),
        ],
        className="control-group analysis-controls",
    )


def _graph(figure: dict | None) -> dcc.Loading:
    return loading(
        dcc.Graph(
            id=ids.GRAPH,
            figure=figure,
            config={
                "displaylogo": False,
                "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d"],
            },
            className="price-graph",
        )
    )


def chart_card(view: dict, drawn: tuple | None, *, fetching: bool = False) -> html.Section:
    """The card for `view`; `drawn` is the chart callback's answer for it (None: the static copy);
    `fetching` while queue workers fetch its prices."""
    figure, header, lines, href = drawn or (None, [], [], None)
    # style.css: on a phone the chart comes right under the ticker, quote and periods; the other
    # controls follow it. (A card, with a class of its own.)
    return html.Section(
        [
            _pickers(view),
            html.Div(header, id=ids.QUOTE, className="quote"),
            _controls(view, href),
            html.Div(lines, id=ids.NOTICE, className="notice", role="status"),
            _graph(figure),
            # On while queue workers fetch this chart's prices: the chart re-draws until they land.
            dcc.Interval(id=ids.FETCH_POLL, interval=2000, disabled=not fetching),
        ],
        className="card chart-card",
    )
