"""The view in the URL: what a shared link carries, and the one callback that keeps URL and controls in step.

The flow: URL ⇄ controls (one `sync` callback, so shared links and the back button work)
→ the `view` store → the chart. The page's first view is built by the layout from the link
itself (see page.py), so a first load runs no callback before the chart is drawn.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

from dash import Dash, ctx, no_update
from dash.exceptions import PreventUpdate

from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import former, to_yahoo
from stockdash.web import ids, search
from stockdash.web.chart import options
from stockdash.web.components import callback

DEFAULT_SYMBOL = "AAPL"
MAX_COMPARE = 5
MAX_WATCH = 20
PERIODS = ["1D", "5D", "1M", "3M", "6M", "YTD", "1Y", "5Y", "Max"]
DEFAULT_PERIOD = "1Y"
CUSTOM = "custom"
CORE = ("symbol", "compare", "period", "start", "end", *options.KEYS)  # what a link carries; `notes` explain


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10]).isoformat()
    except ValueError:
        return None


def current(symbol: str) -> tuple[str, str | None]:
    """What a 2020 symbol became (FB -> META), with a note saying so; other symbols as they are."""
    gone = former()
    if symbol in gone.index and gone.at[symbol, "now"]:
        now = str(gone.at[symbol, "now"])
        return now, f"{symbol} is now {now} ({gone.at[symbol, 'note']})."
    return symbol, None


def delisted(symbol: str) -> str | None:
    """Why a symbol that left the market without a successor cannot be charted, or None."""
    gone = former()
    if symbol in gone.index and not gone.at[symbol, "now"]:
        return f"{symbol} is no longer listed ({gone.at[symbol, 'note']}): there are no prices to chart."
    return None


def compare_list(raws: list[str], symbol: str) -> list[str]:
    """Valid, distinct tickers to compare with `symbol`; malformed ones are dropped, not fatal."""
    return checked_compare(raws, symbol)[0]


def valid_symbols(raws: list, *, doing: str = "Not compared") -> tuple[list[str], list[str]]:
    """(valid, listed, distinct tickers in order, under their current symbols; notes on the rest)."""
    symbols: list[str] = []
    notes: list[str] = []
    for raw in (r for r in raws if isinstance(r, str) and r.strip() and r != search.NO_MATCH):
        try:
            sym, renamed = current(to_yahoo(normalise(raw)))
        except InvalidSymbol as exc:
            notes.append(f"{doing}: {exc}.")
            continue
        if delisted(sym):
            notes.append(f"{doing}: {delisted(sym)}")
        elif sym not in symbols:
            symbols.append(sym)
            if renamed:
                notes.append(renamed)
    return symbols, notes


def checked_compare(raws: list[str], symbol: str) -> tuple[list[str], list[str]]:
    """(tickers to compare with `symbol`, up to five; notes naming each one left out and why)."""
    found, notes = valid_symbols(raws)
    compare = [s for s in found if s != symbol]
    if len(compare) > MAX_COMPARE:
        extra = compare[MAX_COMPARE:]
        notes.append(f"Compare takes up to {MAX_COMPARE} tickers: {', '.join(extra)} left out.")
    return compare[:MAX_COMPARE], notes


def parse_query(query: str | None) -> dict:
    """The view a URL query string asks for; unknown or malformed parts fall back to defaults.

    `notes` name what the link asked for and does not get (a bad or sixth compare ticker, a
    renamed symbol), so nothing is dropped silently.
    """
    params = {k: v[-1] for k, v in parse_qs(query.lstrip("?") if isinstance(query, str) else "").items()}
    symbol = (params.get("symbol") or DEFAULT_SYMBOL).strip().upper()
    notes: list[str] = []
    try:
        symbol, renamed = current(to_yahoo(normalise(symbol)))
        notes += [renamed] if renamed else []
    except InvalidSymbol:
        pass  # kept as typed: the chart says why it cannot be charted
    compare, compare_notes = checked_compare((params.get("compare") or "").split(","), symbol)
    start, end = _iso(params.get("start")), _iso(params.get("end"))
    period = params.get("period") or DEFAULT_PERIOD
    if start or end:
        period = CUSTOM
    elif period not in PERIODS:
        period = DEFAULT_PERIOD
    return {
        "symbol": symbol,
        "compare": compare,
        "period": period,
        "start": start,
        "end": end,
        "notes": notes + compare_notes,
        "watch": valid_symbols(params["watch"].split(","))[0][:MAX_WATCH] if "watch" in params else None,
        **options.parse(params),
    }


def query_of(url: str | None) -> str:
    """The query string of a page URL (the Referer of the layout request), '' without one."""
    try:
        query = urlsplit(url or "").query
    except ValueError:
        return ""
    return f"?{query}" if query else ""


def same_view(a: dict | None, b: dict | None) -> bool:
    """Whether two views show the same thing (their notes aside)."""
    return bool(a and b) and all(a.get(k) == b.get(k) for k in CORE)  # type: ignore[union-attr]


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
    params.update(options.query_params(view))
    return "?" + urlencode(params, safe=",")


def clean_view(data: object) -> dict:
    """The view in the `view` store, each field of its type: a request may carry anything there."""
    data = data if isinstance(data, dict) else {}
    params = {k: data[k] for k in ("symbol", "period", "start", "end") if isinstance(data.get(k), str)}
    if isinstance(data.get("compare"), list):
        params["compare"] = ",".join(c for c in data["compare"] if isinstance(c, str))
    params.update(options.carried(data))
    view = parse_query(urlencode(params))
    notes = data.get("notes")  # what the link left out, noted when the URL was read
    if isinstance(notes, list):
        view["notes"] = list(dict.fromkeys([n for n in notes if isinstance(n, str)] + view["notes"]))[:10]
    return view


def ticker_options(symbol: str) -> list[dict]:
    """The ticker box's options for a view: the popular names and the charted symbol."""
    return search.options("", selected=[symbol])


def compare_options(compare: list[str]) -> list[dict]:
    """The compare box's options for a view: the popular names and every compared symbol."""
    return search.options("", selected=compare)


def from_url(query: str | None, shown: dict | None) -> tuple:
    """A link opened or the back button: every control set to the URL's view (values with options).

    Nothing to do when the page already shows that view (the layout built it from the link, or
    a control just pushed this URL).
    """
    if not isinstance(query, str):
        raise PreventUpdate  # the location has not reported yet
    view = parse_query(query)
    if same_view(view, shown):
        raise PreventUpdate
    radio = None if view["period"] == CUSTOM else view["period"]
    return (
        no_update,
        view["symbol"],
        ticker_options(view["symbol"]),
        view["compare"],
        compare_options(view["compare"]),
        radio,
        view["start"],
        view["end"],
        view,
    )


def sync(
    trigger: str | None,
    query: str | None,
    ticker: str | None,
    compare: list[str] | None,
    period: str | None,
    start: str | None,
    end: str | None,
    shown: dict | None = None,
) -> tuple:
    """URL ⇄ controls. Returns (url search, ticker, ticker options, compare, compare options,
    period, start, end, view)."""
    if trigger in (None, ids.URL):
        return from_url(query, shown)
    view = parse_query(query)
    view["notes"] = []
    out_ticker: object = no_update
    out_compare: object = no_update
    out_period: object = no_update
    out_start: object = no_update
    out_end: object = no_update
    out_ticker_options: object = no_update
    if trigger == ids.TICKER:
        if not isinstance(ticker, str) or not ticker or ticker == search.NO_MATCH:
            raise PreventUpdate
        # Picked in the box or a clicked mover (set in the browser): the options must hold it.
        view["symbol"] = current(ticker)[0]
        out_ticker_options = ticker_options(view["symbol"])
        if view["symbol"] != ticker:
            out_ticker = view["symbol"]
    elif trigger == ids.COMPARE:
        picked = compare if isinstance(compare, list) else []
        view["compare"], view["notes"] = checked_compare(picked, view["symbol"])
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
    out_compare_options: object = no_update
    if view["compare"] != (compare or []):  # the box shows exactly what is compared
        out_compare = view["compare"]
        out_compare_options = compare_options(view["compare"])
    new_query = format_query(view)
    url = new_query if new_query != (query or "") else no_update
    return (
        url,
        out_ticker,
        out_ticker_options,
        out_compare,
        out_compare_options,
        out_period,
        out_start,
        out_end,
        view,
    )


DATE_RANGE = [(ids.DATES, "start_date"), (ids.DATES, "end_date")]
CONTROLS = [(ids.TICKER, "value"), (ids.COMPARE, "value"), (ids.PERIOD, "value"), *DATE_RANGE]
CONTROLS_OUT = [
    (ids.TICKER, "value"),
    (ids.TICKER, "options"),
    (ids.COMPARE, "value"),
    (ids.COMPARE, "options"),
    (ids.PERIOD, "value"),
    *DATE_RANGE,
]


def register(app: Dash) -> None:
    """URL ⇄ controls: a shared link or the back button sets the controls, a control sets the URL."""

    @callback(
        app,
        [(ids.URL, "search"), *CONTROLS_OUT, (ids.VIEW, "data")],
        [(ids.URL, "search"), *CONTROLS],
        states=[(ids.VIEW, "data")],
    )
    def _sync(query, ticker, compare, period, start, end, shown):
        return sync(ctx.triggered_id, query, ticker, compare, period, start, end, shown)
