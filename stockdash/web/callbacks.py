"""Thin callbacks: each is a plain function (tested without a browser) plus its wiring.

The flow: URL ⇄ controls (one `sync` callback, so shared links and the back button work)
→ the `view` store → the chart; horizon/group → the movers tables and the sector map.
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import parse_qs, urlencode

from dash import Dash, Input, Output, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from stockdash import movers as movers_mod
from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import GROUP_LABELS, to_yahoo
from stockdash.web import figures, ids, queries, search
from stockdash.web.layout import DEFAULT_SYMBOL, MAX_COMPARE
from stockdash.web.queries import DEFAULT_PERIOD, PERIODS, Services

log = logging.getLogger("stockdash.web")

DB_DOWN = "The database is not answering right now; prices cannot be shown. Try again in a minute."
OOPS = "Something went wrong while drawing this chart; the error has been logged."
CUSTOM = "custom"


# --- URL state ---------------------------------------------------------------------------------


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10]).isoformat()
    except ValueError:
        return None


def compare_list(raws: list[str], symbol: str) -> list[str]:
    """Valid, distinct tickers to compare with `symbol`; malformed ones are dropped, not fatal."""
    compare: list[str] = []
    for raw in raws:
        try:
            sym = to_yahoo(normalise(raw))
        except InvalidSymbol:
            continue
        if sym != symbol and sym not in compare:
            compare.append(sym)
    return compare


def parse_query(query: str | None) -> dict:
    """The view a URL query string asks for; unknown or malformed parts fall back to defaults."""
    params = {k: v[-1] for k, v in parse_qs((query or "").lstrip("?")).items()}
    symbol = (params.get("symbol") or DEFAULT_SYMBOL).strip().upper()
    compare = compare_list((params.get("compare") or "").split(","), symbol)
    start, end = _iso(params.get("start")), _iso(params.get("end"))
    period = params.get("period") or DEFAULT_PERIOD
    if start or end:
        period = CUSTOM
    elif period not in PERIODS:
        period = DEFAULT_PERIOD
    return {"symbol": symbol, "compare": compare[:MAX_COMPARE], "period": period, "start": start, "end": end}


def format_query(view: dict) -> str:
    """The query string for a view (what a copied link carries)."""
    params = {"symbol": view["symbol"]}
    if view.get("period") == CUSTOM:
        params.update({k: view[k] for k in ("start", "end") if view.get(k)})
    else:
        params["period"] = view.get("period") or DEFAULT_PERIOD
    if view.get("compare"):
        params["compare"] = ",".join(view["compare"])
    return "?" + urlencode(params, safe=",")


def sync(
    trigger: str | None,
    query: str | None,
    ticker: str | None,
    compare: list[str] | None,
    period: str | None,
    start: str | None,
    end: str | None,
    gainer_click: dict | None,
    loser_click: dict | None,
    tile_click: dict | None,
) -> tuple:
    """URL ⇄ controls. Returns (url search, ticker, compare, period, start, end, view)."""
    if trigger in (None, ids.URL):
        view = parse_query(query)
        radio = None if view["period"] == CUSTOM else view["period"]
        return no_update, view["symbol"], view["compare"], radio, view["start"], view["end"], view
    view = parse_query(query)
    out_ticker = out_compare = out_period = out_start = out_end = no_update
    if trigger == ids.TICKER:
        if not ticker or ticker == "__none__":
            raise PreventUpdate
        view["symbol"] = ticker
    elif trigger in (ids.GAINERS, ids.LOSERS):
        click = gainer_click if trigger == ids.GAINERS else loser_click
        symbol = (click or {}).get("rowId")
        if not symbol:
            raise PreventUpdate
        view["symbol"] = out_ticker = symbol
    elif trigger == ids.TREEMAP:
        point = ((tile_click or {}).get("points") or [{}])[0]
        if not str(point.get("id", "")).startswith("t:"):
            raise PreventUpdate  # a sector tile: plotly zooms into it
        view["symbol"] = out_ticker = point["id"][2:]
    elif trigger == ids.COMPARE:
        view["compare"] = [s for s in (compare or []) if s and s != "__none__"][:MAX_COMPARE]
    elif trigger == ids.PERIOD:
        if not period:
            raise PreventUpdate
        view.update(period=period, start=None, end=None)
        out_start = out_end = None
    elif trigger == ids.DATES:
        if start or end:
            view.update(period=CUSTOM, start=_iso(start), end=_iso(end))
            out_period = None
        else:
            view.update(period=DEFAULT_PERIOD, start=None, end=None)
            out_period = DEFAULT_PERIOD
    view["compare"] = [s for s in view["compare"] if s != view["symbol"]]
    if view["compare"] != (compare or []):  # the box shows exactly what is compared
        out_compare = view["compare"]
    new_query = format_query(view)
    url = new_query if new_query != (query or "") else no_update
    return url, out_ticker, out_compare, out_period, out_start, out_end, view


# --- search ------------------------------------------------------------------------------------


def ticker_options(text: str | None, value: str | None) -> list[dict]:
    return search.options(text, selected=[value] if value else [])


def compare_options(text: str | None, value: list[str] | None) -> list[dict]:
    return search.options(text, selected=list(value or []))


# --- chart -------------------------------------------------------------------------------------


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _signed(x: float | None, suffix: str = "") -> str:
    return "–" if x is None else f"{x:+,.2f}{suffix}"


def _tone(x: float | None) -> str:
    return "flat" if not x else ("pos" if x > 0 else "neg")


def quote_header(symbol: str, name: str, q: dict | None, *, period_label: str) -> list:
    """Name, last close, change vs the previous close, 52-week range, period return, as-of date."""
    title = html.Div(
        className="quote-title",
        children=[html.H1(symbol, className="quote-symbol"), html.Span(name, className="quote-name")],
    )
    if q is None:
        return [title]
    span = q["high52"] - q["low52"]
    pos = 0 if not span else max(0.0, min(100.0, (q["close"] - q["low52"]) / span * 100))
    return [
        title,
        html.Div(
            className="quote-price",
            children=[
                html.Span(_money(q["close"]), className="price", id="quote-close"),
                html.Span(
                    f"{_signed(q['change'])} ({_signed(q['pct_change'], '%')})",
                    className=f"change {_tone(q['pct_change'])}",
                ),
                html.Span("vs previous close", className="meta"),
            ],
        ),
        html.Div(
            className="quote-stats",
            children=[
                html.Div(
                    [
                        html.Span("52-week range", className="stat-label"),
                        html.Div(
                            className="range",
                            children=[
                                html.Span(_money(q["low52"])),
                                html.Div(
                                    html.Div(className="range-dot", style={"left": f"{pos:.1f}%"}),
                                    className="range-bar",
                                ),
                                html.Span(_money(q["high52"])),
                            ],
                        ),
                    ],
                    className="stat",
                ),
                html.Div(
                    [
                        html.Span(f"{period_label} return", className="stat-label"),
                        html.Span(
                            _signed(q["period_pct"], "%"), className=f"stat-value {_tone(q['period_pct'])}"
                        ),
                    ],
                    className="stat",
                ),
                html.Div(
                    [
                        html.Span("As of close", className="stat-label"),
                        html.Span(f"{q['as_of']:%a %d %b %Y}", className="stat-value"),
                    ],
                    className="stat",
                ),
            ],
        ),
    ]


def _notice(*lines: str | None) -> list:
    return [html.Div(line) for line in lines if line]


def _csv_href(symbol: str, start: date | None, end: date | None) -> str:
    params = {"format": "csv"}
    if start:
        params["start"] = start.isoformat()
    if end:
        params["end"] = end.isoformat()
    return f"/api/history/{symbol}?{urlencode(params)}"


def _error_outputs(message: str, symbol: str = "", name: str = "") -> tuple:
    header = quote_header(symbol, name, None, period_label="") if symbol else []
    return figures.message_figure(message), header, _notice(message), "#"


def chart(services: Services, view: dict | None, chart_type: str | None, overlays: list[str] | None) -> tuple:
    """(figure, quote header, notice, CSV href) for the view; every failure is a plain message."""
    view = view or parse_query("")
    try:
        symbol = to_yahoo(normalise(view.get("symbol")))
    except InvalidSymbol as exc:
        return _error_outputs(f"{exc}.")
    try:
        return _chart(services, symbol, view, chart_type or "candles", list(overlays or []))
    except SQLAlchemyError as exc:
        log.error("web chart symbol=%s database error: %s", symbol, str(exc).splitlines()[0][:200])
        return _error_outputs(DB_DOWN, symbol)
    except Exception:
        log.exception("web chart symbol=%s failed", symbol)
        return _error_outputs(OOPS, symbol)


def _chart(services: Services, symbol: str, view: dict, chart_type: str, overlays: list[str]) -> tuple:
    compare = compare_list(view.get("compare") or [], symbol)[:MAX_COMPARE]
    reasons = queries.refresh(services, [symbol, *compare])
    period = view.get("period") or DEFAULT_PERIOD
    end = None
    if period == CUSTOM:
        start = date.fromisoformat(view["start"]) if view.get("start") else None
        end = date.fromisoformat(view["end"]) if view.get("end") else None
        if start and end and start > end:
            start, end = end, start
        label = "Range"
    else:
        last = queries.symbol_last_dates(services, [symbol]).get(symbol)
        start = queries.period_start(period, last) if last else None
        label = period
    main = queries.load_symbol(services, symbol, start=queries.load_start(start), reason=reasons.get(symbol))
    if main.error:
        return (
            figures.message_figure(main.error),
            quote_header(symbol, main.name, None, period_label=label),
            _notice(main.error),
            "#",
        )
    notices = [main.notice]
    q = figures.quote(figures.visible(main.bars, None, end), start=start)
    if compare:
        series = {symbol: main.bars}
        for sym in compare:
            other = queries.load_symbol(
                services, sym, start=queries.load_start(start), reason=reasons.get(sym)
            )
            if other.error:
                notices.append(other.error)
            else:
                series[sym] = other.bars
                if other.notice:
                    notices.append(f"{sym}: {other.notice}")
        figure = figures.compare_figure(series, start=start, end=end, main=symbol)
        first = figures.visible(main.bars, start, end)
        if not first.empty:
            notices.append(f"Compare: % change from {first['date'].iloc[0]:%d %b %Y}, dividends included.")
    else:
        figure = figures.price_figure(
            main.bars, symbol=symbol, start=start, end=end, chart_type=chart_type, overlays=overlays
        )
    visible_start = start
    return (
        figure,
        quote_header(symbol, main.name, q, period_label=label),
        _notice(*notices),
        _csv_href(symbol, visible_start, end),
    )


# --- movers ------------------------------------------------------------------------------------


def _rows(rows: list[dict]) -> list[dict]:
    keep = ("symbol", "name", "close", "change", "pct_change", "volume")
    return [{k: r.get(k) for k in keep} for r in rows]


def movers_panel(services: Services, horizon: str | None, group: str | None) -> tuple:
    """(gainer rows, loser rows, as-of text, notice, sector map figure)."""
    horizon = horizon if horizon in movers_mod.HORIZONS else "1d"
    group = group if group in movers_mod.GROUPS else "sp500"
    label = movers_mod.HORIZON_LABELS[horizon]
    try:
        snap = queries.movers_view(services, horizon=horizon, group=group)
    except movers_mod.NoData:
        msg = "No movers yet: they appear after the first daily pull (python worker.py pull, then movers)."
        return [], [], "", _notice(msg), figures.message_figure(msg, height=300)
    except SQLAlchemyError as exc:
        log.error("web movers database error: %s", str(exc).splitlines()[0][:200])
        return [], [], "", _notice(DB_DOWN), figures.message_figure(DB_DOWN, height=300)
    except Exception:
        log.exception("web movers failed")
        return [], [], "", _notice(OOPS), figures.message_figure(OOPS, height=300)
    as_of = date.fromisoformat(snap["as_of"])
    basis = "vs previous close" if horizon == "1d" else f"over {label}"
    text = f"As of close {as_of:%a %d %b %Y} · % change {basis} · {GROUP_LABELS[group]}"
    title = f"{GROUP_LABELS[group]} by sector · {label} % change · tile size = dollar volume"
    return (
        _rows(snap["gainers"]),
        _rows(snap["losers"]),
        text,
        [],
        figures.treemap_figure(snap["sectors"], horizon=horizon, title=title, root=GROUP_LABELS[group]),
    )


# --- wiring ------------------------------------------------------------------------------------

SCROLL_TO_CHART = """
function(g, l, t) {
    const trig = (window.dash_clientside.callback_context.triggered || [])[0] || {};
    if (trig.prop_id && trig.prop_id.startsWith('sector-treemap')) {
        const p = (t && t.points && t.points[0]) || {};
        if (!String(p.id || '').startsWith('t:')) { return window.dash_clientside.no_update; }
    }
    window.scrollTo({top: 0, behavior: 'smooth'});
    return window.dash_clientside.no_update;
}
"""


def register(app: Dash, services: Services) -> None:
    """Attach the callbacks to `app` (per app, not Dash's global registry)."""

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.TICKER, "value"),
        Output(ids.COMPARE, "value"),
        Output(ids.PERIOD, "value"),
        Output(ids.DATES, "start_date"),
        Output(ids.DATES, "end_date"),
        Output(ids.VIEW, "data"),
        Input(ids.URL, "search"),
        Input(ids.TICKER, "value"),
        Input(ids.COMPARE, "value"),
        Input(ids.PERIOD, "value"),
        Input(ids.DATES, "start_date"),
        Input(ids.DATES, "end_date"),
        Input(ids.GAINERS, "cellClicked"),
        Input(ids.LOSERS, "cellClicked"),
        Input(ids.TREEMAP, "clickData"),
    )
    def _sync(query, ticker, compare, period, start, end, gclick, lclick, tclick):
        from dash import ctx

        return sync(ctx.triggered_id, query, ticker, compare, period, start, end, gclick, lclick, tclick)

    @app.callback(
        Output(ids.TICKER, "options"), Input(ids.TICKER, "search_value"), Input(ids.TICKER, "value")
    )
    def _ticker_options(text, value):
        return ticker_options(text, value)

    @app.callback(
        Output(ids.COMPARE, "options"), Input(ids.COMPARE, "search_value"), Input(ids.COMPARE, "value")
    )
    def _compare_options(text, value):
        return compare_options(text, value)

    @app.callback(
        Output(ids.GRAPH, "figure"),
        Output(ids.QUOTE, "children"),
        Output(ids.NOTICE, "children"),
        Output(ids.DOWNLOAD, "href"),
        Input(ids.VIEW, "data"),
        Input(ids.CHART_TYPE, "value"),
        Input(ids.OVERLAYS, "value"),
    )
    def _chart(view, chart_type, overlays):
        return chart(services, view, chart_type, overlays)

    @app.callback(
        Output(ids.GAINERS, "rowData"),
        Output(ids.LOSERS, "rowData"),
        Output(ids.MOVERS_AS_OF, "children"),
        Output(ids.MOVERS_NOTICE, "children"),
        Output(ids.TREEMAP, "figure"),
        Input(ids.HORIZON, "value"),
        Input(ids.GROUP, "value"),
    )
    def _movers(horizon, group):
        return movers_panel(services, horizon, group)

    app.clientside_callback(
        SCROLL_TO_CHART,
        Output(ids.SCROLL_SINK, "data"),
        Input(ids.GAINERS, "cellClicked"),
        Input(ids.LOSERS, "cellClicked"),
        Input(ids.TREEMAP, "clickData"),
        prevent_initial_call=True,
    )
