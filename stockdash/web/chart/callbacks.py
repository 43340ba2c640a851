"""The chart's callbacks: plain functions (tested without a browser) and their wiring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, NamedTuple
from urllib.parse import urlencode

import flask
from dash import ClientsideFunction, Dash, Input, Output, State
from sqlalchemy.exc import SQLAlchemyError

from stockdash import actions, reads
from stockdash.errors import error_text
from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import name_of, to_yahoo
from stockdash.web import fetch, ids, search
from stockdash.web.chart import figures, option_controls, options
from stockdash.web.chart.controls import COMPARE_OFF_NOTE, CONTROL_OUTPUTS, Controls, controls_for
from stockdash.web.chart.data import SymbolData, load_symbol, no_prices_between, stored_span
from stockdash.web.chart.header import quote_header
from stockdash.web.chart.intraday import intraday_chart, live_price
from stockdash.web.chart.periods import load_start, period_start
from stockdash.web.client import client_address
from stockdash.web.components import DB_DOWN, OOPS, notice
from stockdash.web.plotting import message_figure
from stockdash.web.services import Services
from stockdash.web.view import CUSTOM, MAX_COMPARE, View, compare_list, delisted
from stockdash.workers.fetches import FETCHING

log = logging.getLogger("stockdash.web")


def ticker_options(text: str | None, value: object) -> list[dict[str, Any]]:
    return search.options(text, selected=[value] if isinstance(value, str) and value else [])


def compare_options(text: str | None, value: object) -> list[dict[str, Any]]:
    picked = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    return search.options(text if isinstance(text, str) else None, selected=picked)


def csv_href(
    symbols: list[str], start: date | None, end: date | None, analysis: dict[str, str] | None = None
) -> str:
    """The CSV of what is charted: one symbol's bars (with its `analysis`: indicators and interval),
    or every compared symbol's in one file."""
    params = {"format": "csv"}
    if start:
        params["start"] = start.isoformat()
    if end:
        params["end"] = end.isoformat()
    if len(symbols) == 1:
        return f"/api/history/{symbols[0]}?{urlencode(params | (analysis or {}), safe=',')}"
    return f"/api/history?{urlencode({'symbols': ','.join(symbols), **params}, safe=',')}"


SMA_OVERLAYS = ("sma20", "sma50", "sma200")  # the overlay control's moving averages, as the API names them
NOTHING_TO_CHART = "Nothing to chart: the note above says why."


class Drawn(NamedTuple):
    """The chart callback's answer: what is drawn, the header above it, the notice, the CSV link."""

    figure: dict[str, Any]
    header: list[Any]
    notice: list[Any]
    href: str | None


def _message_outputs(message: str, header: list[Any], *notes: str) -> Drawn:
    """What the chart shows instead of prices: the reason once, above the chart (which points to it,
    never blank); nothing to download."""
    return Drawn(message_figure(NOTHING_TO_CHART), header, notice(message, *notes), None)


def chart(
    services: Services,
    view: View | dict[str, Any] | None,
    chart_type: str | None,
    overlays: list[str] | None,
    *,
    client: str = "",
    fetching: set[str] | None = None,
    now: datetime | None = None,
    stored_only: bool = False,
    narrow: bool = False,
) -> Drawn:
    """(figure, quote header, notice, CSV href) for the view; every failure is a plain message.
    Symbols whose prices are being fetched are added to `fetching`; `now` is the clock's reading.
    `stored_only` (the page layout) asks no provider: stale symbols are added to `fetching`, and
    the chart callback, polled, fetches them; `narrow` is a phone's screen (long periods default to
    weekly candles there)."""
    now = now or datetime.now(UTC)
    shown = view if isinstance(view, View) else View.from_store(view)
    notes = shown.notes
    try:
        symbol = to_yahoo(normalise(shown.symbol))
    except InvalidSymbol as exc:
        return _message_outputs(f"{exc}.", [], *notes)
    gone = delisted(symbol)
    if gone:
        return _message_outputs(gone, quote_header(symbol, name_of(symbol), None, period_label=""), *notes)
    try:
        figure, header, lines, href = _chart(
            services,
            symbol,
            shown,
            chart_type if chart_type in options.CHART_TYPES else options.DEFAULT_CHART_TYPE,
            [o for o in overlays or [] if isinstance(o, str)],
            client=client,
            fetching=fetching,
            now=now,
            stored_only=stored_only,
            narrow=narrow,
        )
        return Drawn(figure, header, notice(*notes) + lines, href)
    except SQLAlchemyError as exc:
        log.error("web chart symbol=%s database error: %s", symbol, error_text(exc))
        return _message_outputs(DB_DOWN, quote_header(symbol, "", None, period_label=""))
    except Exception:
        log.exception("web chart symbol=%s failed", symbol)
        return _message_outputs(OOPS, quote_header(symbol, "", None, period_label=""))


def _dates(services: Services, symbol: str, view: View) -> tuple[date | None, date | None, str]:
    """First and last day to show, and the label of the period's return."""
    if view.period != CUSTOM:
        last = reads.last_dates(services.engine_if_up(), [symbol]).get(symbol)
        return (period_start(view.period, last) if last else None), None, view.period
    start = date.fromisoformat(view.start) if view.start else None
    end = date.fromisoformat(view.end) if view.end else None
    return start, end, "Range"


def _compare_off(view: View) -> list[Any]:
    """On 1D and 5D compare is off: said once, naming the tickers it will compare again."""
    if not view.compare or not view.intraday:
        return []
    verb = "is" if len(view.compare) == 1 else "are"
    return notice(f"{COMPARE_OFF_NOTE} {', '.join(view.compare)} {verb} compared again on 1M and longer.")


def _chart(
    services: Services,
    symbol: str,
    view: View,
    chart_type: str,
    overlays: list[str],
    *,
    client: str,
    fetching: set[str] | None,
    now: datetime,
    stored_only: bool,
    narrow: bool = False,
) -> Drawn:
    chosen = list(view.indicators)
    if view.intraday:  # 1D, 5D: minute bars, compare off
        figure, header, lines, href = intraday_chart(
            services,
            symbol,
            period=view.period,
            chart_type=chart_type,
            compare=False,
            now=now,
            vwap="vwap" in chosen,
            client=client,
            fetching=fetching,
            stored_only=stored_only,
        )
        return Drawn(figure, header, _compare_off(view) + lines, href)
    compare = compare_list(list(view.compare), symbol)[:MAX_COMPARE]
    interval = options.interval_of(view.interval, view.period, narrow=narrow)
    basis = view.basis
    # Indicators and weekly or monthly bars are computed over the whole stored history.
    whole = not compare and (interval != "1d" or any(c in figures.COMPUTED for c in chosen))
    if stored_only:
        reasons = dict.fromkeys(fetch.stale_symbols(services, [symbol, *compare]), FETCHING)
    else:
        reasons = fetch.refresh(services, [symbol, *compare], client=client)
    if fetching is not None:
        fetching.update(s for s, reason in reasons.items() if reason == FETCHING)
    start, end, label = _dates(services, symbol, view)
    hours = services.settings.stale_after_hours

    def load(sym: str) -> SymbolData:
        first = None if whole else load_start(start)
        return load_symbol(
            services.engine_if_up(), sym, stale_after_hours=hours, start=first, reason=reasons.get(sym)
        )

    main = load(symbol)
    empty = quote_header(symbol, main.name, None, period_label=label)
    if (start or end) and figures.visible(main.bars, start, end).empty:
        span = stored_span(services.engine_if_up(), symbol)  # a 1990 range learns where prices start
        if span:
            return _message_outputs(no_prices_between(symbol, start, end, span), empty)
    if main.error:
        return _message_outputs(main.error, empty)
    with services.engine_if_up().connect() as conn:
        events = actions.load(conn, symbol)
    notices = [main.notice]
    q = figures.quote(figures.visible(main.bars, None, end), start=start)
    series = {symbol: main.bars}
    if compare:
        for sym in compare:
            other = load(sym)
            if other.error:
                notices.append(other.error)
            else:
                series[sym] = other.bars
                if other.notice:
                    notices.append(f"{sym}: {other.notice}")
        figure = figures.compare_figure(series, start=start, end=end, main=symbol, basis=basis)
        first = figures.visible(main.bars, start, end)
        what = "total return, dividends included" if basis == "tr" else "price only, dividends not included"
        notices.append(f"Compare: % change from {first['date'].iloc[0]:%d %b %Y}, {what}.")
        if chosen or interval != "1d":
            notices.append("Indicators and weekly or monthly candles are off while comparing.")
    else:
        figure = figures.price_figure(
            main.bars,
            symbol=symbol,
            start=start,
            end=end,
            chart_type=chart_type,
            overlays=overlays,
            chosen=chosen,
            interval=interval,
            actions=events,
            basis=basis,
        )
    q, live = live_price(services, symbol, q, now=now)
    yield_pct = actions.trailing_yield(events, as_of=q["as_of"], close=q["close"]) if q else None
    analysis = {} if compare else _api_analysis([*overlays, *chosen], interval)
    return Drawn(
        figure,
        quote_header(symbol, main.name, q, period_label=label, live=live, dividend_yield=yield_pct),
        notice(*notices),
        csv_href(list(series), start, end, analysis),
    )


def _api_analysis(chosen: list[str], interval: str) -> dict[str, str]:
    """The /api/history parameters of the CSV: the drawn SMAs, the menu's indicators, the interval."""
    names = [c for c in chosen if c in figures.COMPUTED or c in SMA_OVERLAYS]
    out = {"indicators": ",".join(names)} if names else {}
    return out | ({"interval": interval} if interval != "1d" else {})


def _options_follow_typing(
    app: Dash, id_: str, options: Callable[[str | None, Any], list[dict[str, Any]]]
) -> None:
    """The dropdown's options follow what is typed (the layout and urlstate.sync set them with the values)."""

    @app.callback(
        output=Output(id_, "options", allow_duplicate=True),
        inputs={"text": Input(id_, "search_value")},
        state={"value": State(id_, "value")},
        prevent_initial_call=True,
    )
    def _options(text: str | None, value: object) -> list[dict[str, Any]]:
        return options(text if isinstance(text, str) else None, value)


class Redrawn(NamedTuple):
    """The chart callback's outputs: what `chart` drew, and whether the fetch poll stops."""

    figure: dict[str, Any]
    header: list[Any]
    notice: list[Any]
    href: str | None
    poll_off: bool


def register(app: Dash, services: Services) -> None:
    _options_follow_typing(app, ids.TICKER, ticker_options)
    _options_follow_typing(app, ids.COMPARE, compare_options)

    # The layout draws the first chart (page.py): this one redraws when the view changes, and while
    # queue workers fetch its prices.
    @app.callback(
        output=[
            Output(ids.GRAPH, "figure"),
            Output(ids.QUOTE, "children"),
            Output(ids.NOTICE, "children"),
            Output(ids.DOWNLOAD, "href"),
            Output(ids.FETCH_POLL, "disabled"),
        ],
        inputs={
            "view": Input(ids.VIEW, "data"),
            "chart_type": Input(ids.CHART_TYPE, "value"),
            "overlays": Input(ids.OVERLAYS, "value"),
            "_polls": Input(ids.FETCH_POLL, "n_intervals"),
        },
        state={"viewport": State(ids.VIEWPORT, "data")},
        prevent_initial_call=True,
    )
    def _chart(
        view: object, chart_type: object, overlays: object, _polls: object, viewport: object
    ) -> Redrawn:
        fetching: set[str] = set()
        drawn = chart(
            services,
            View.from_store(view),
            chart_type if isinstance(chart_type, str) else None,
            overlays if isinstance(overlays, list) else None,
            client=client_address(flask.request),
            fetching=fetching,
            narrow=isinstance(viewport, dict) and viewport.get("narrow") is True,
        )
        return Redrawn(*drawn, poll_off=not fetching)

    @app.callback(
        output=[Output(id_, prop) for id_, prop in CONTROL_OUTPUTS],
        inputs={"view": Input(ids.VIEW, "data")},
        prevent_initial_call=True,
    )
    def _controls(view: object) -> Controls:
        return controls_for(View.from_store(view))

    # In the browser: a phone that opened 5Y or Max redraws them weekly (assets/clientside.js).
    app.clientside_callback(
        ClientsideFunction("stockdash", "phone_weekly"),
        output=Output(ids.VIEW, "data", allow_duplicate=True),
        inputs=[Input(ids.VIEWPORT, "data")],
        state=[State(ids.VIEW, "data")],
        prevent_initial_call=True,
    )
    option_controls.register(app)
