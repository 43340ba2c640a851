"""The view in the URL: what a shared link carries, and the one callback that keeps URL and controls in step.

The flow: URL ⇄ controls (one `sync` callback, so shared links and the back button work)
→ the `view` store → the chart.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode

from dash import Dash, ctx, no_update
from dash.exceptions import PreventUpdate

from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import to_yahoo
from stockdash.web import ids
from stockdash.web.components import callback

DEFAULT_SYMBOL = "AAPL"
MAX_COMPARE = 5
MAX_WATCH = 20
PERIODS = ["1D", "5D", "1M", "3M", "6M", "YTD", "1Y", "5Y", "Max"]
DEFAULT_PERIOD = "1Y"
CUSTOM = "custom"


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
    watch = compare_list(params["watch"].split(","), "")[:MAX_WATCH] if "watch" in params else None
    view = {"symbol": symbol, "compare": compare[:MAX_COMPARE], "period": period, "start": start, "end": end}
    return view | {"watch": watch}


def clean_view(data: object) -> dict:
    """The view in the `view` store, each field of its type: a request may carry anything there."""
    data = data if isinstance(data, dict) else {}
    params = {k: data[k] for k in ("symbol", "period", "start", "end") if isinstance(data.get(k), str)}
    if isinstance(data.get("compare"), list):
        params["compare"] = ",".join(c for c in data["compare"] if isinstance(c, str))
    return parse_query(urlencode(params))


def format_query(view: dict) -> str:
    """The query string for a view (what a copied link carries)."""
    params = {"symbol": view["symbol"]}
    if view.get("period") == CUSTOM:
        params.update({k: view[k] for k in ("start", "end") if view.get(k)})
    else:
        params["period"] = view.get("period") or DEFAULT_PERIOD
    if view.get("compare"):
        params["compare"] = ",".join(view["compare"])
    if view.get("watch") is not None:  # the live watchlist, once the visitor has changed it
        params["watch"] = ",".join(view["watch"])
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
    out_ticker: object = no_update
    out_compare: object = no_update
    out_period: object = no_update
    out_start: object = no_update
    out_end: object = no_update
    if trigger == ids.TICKER:
        if not ticker or ticker == "__none__":
            raise PreventUpdate
        view["symbol"] = ticker
    elif trigger in (ids.GAINERS, ids.LOSERS):
        click = gainer_click if trigger == ids.GAINERS else loser_click
        symbol = click.get("rowId") if isinstance(click, dict) else None
        if not symbol or not isinstance(symbol, str):
            raise PreventUpdate
        view["symbol"] = out_ticker = symbol
    elif trigger == ids.TREEMAP:
        points = (tile_click or {}).get("points")
        point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
        if not isinstance(point.get("id"), str) or not point["id"].startswith("t:"):
            raise PreventUpdate  # a sector tile: plotly zooms into it
        view["symbol"] = out_ticker = point["id"][2:]
    elif trigger == ids.COMPARE:
        view["compare"] = [s for s in (compare or []) if isinstance(s, str) and s and s != "__none__"][
            :MAX_COMPARE
        ]
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


DATE_RANGE = [(ids.DATES, "start_date"), (ids.DATES, "end_date")]
CONTROLS = [(ids.TICKER, "value"), (ids.COMPARE, "value"), (ids.PERIOD, "value"), *DATE_RANGE]
CLICKS = [(ids.GAINERS, "cellClicked"), (ids.LOSERS, "cellClicked"), (ids.TREEMAP, "clickData")]


def register(app: Dash) -> None:
    """URL ⇄ controls: a shared link or the back button sets the controls, a control sets the URL."""

    @callback(
        app, [(ids.URL, "search"), *CONTROLS, (ids.VIEW, "data")], [(ids.URL, "search"), *CONTROLS, *CLICKS]
    )
    def _sync(query, ticker, compare, period, start, end, gclick, lclick, tclick):
        return sync(ctx.triggered_id, query, ticker, compare, period, start, end, gclick, lclick, tclick)
