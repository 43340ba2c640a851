"""The view in the URL: the one callback that keeps URL and controls in step.

The flow: URL ⇄ controls (one `sync` callback, so shared links and the back button work)
→ the `view` store → the chart. The page's first view is built by the layout from the link
itself (see page.py), so a first load runs no callback before the chart is drawn. What a view is
and how a link is read: view.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from stockdash.web import ids, search
from stockdash.web.view import CUSTOM as CUSTOM
from stockdash.web.view import DEFAULT_PERIOD as DEFAULT_PERIOD
from stockdash.web.view import MAX_COMPARE as MAX_COMPARE
from stockdash.web.view import MAX_WATCH as MAX_WATCH
from stockdash.web.view import PERIODS as PERIODS
from stockdash.web.view import View, checked_compare, current, in_order, parse_day
from stockdash.web.view import valid_symbols as valid_symbols


def parse_query(query: str | None) -> dict[str, Any]:
    """The view a link's query string asks for, as the `view` store holds it (the layout's form).

    A link that asked for something it does not get (a reversed range, an unknown period) also
    carries `link` and `fixed`, the query put right, which `PUT_RIGHT` shows in the address bar.
    """
    view = View.from_query(query)
    fixed = view.query()
    if isinstance(query, str) and view.notes and fixed != query:
        return view.store() | {"link": query, "fixed": fixed}
    return view.store()


def format_query(view: dict[str, Any]) -> str:
    """The query string for a view in its store form (what a copied link carries)."""
    return View.from_store(view).query()


def query_of(url: str | None) -> str:
    """The query string of a page URL (the Referer of the layout request), '' without one."""
    try:
        query = urlsplit(url or "").query
    except ValueError:
        return ""
    return f"?{query}" if query else ""


def ticker_options(symbol: str) -> list[dict[str, Any]]:
    """The ticker box's options for a view: the popular names and the charted symbol."""
    return search.options("", selected=[symbol])


def compare_options(compare: list[str]) -> list[dict[str, Any]]:
    """The compare box's options for a view: the popular names and every compared symbol."""
    return search.options("", selected=compare)


class Synced(NamedTuple):
    """`sync`'s answer, one field per output (`no_update` where nothing changes)."""

    url: Any = no_update
    ticker: Any = no_update
    ticker_options: Any = no_update
    compare: Any = no_update
    compare_options: Any = no_update
    period: Any = no_update
    start: Any = no_update
    end: Any = no_update
    view: Any = no_update


def from_url(query: str | None, shown: object) -> Synced:
    """A link opened or the back button: every control set to the URL's view (values with options).

    Nothing to do when the page already shows that view (the layout built it from the link, or
    a control just pushed this URL).
    """
    if not isinstance(query, str):
        raise PreventUpdate  # the location has not reported yet
    view = View.from_query(query)
    if isinstance(shown, dict) and view.same_chart(View.from_store(shown)):
        raise PreventUpdate
    return Synced(
        ticker=view.symbol,
        ticker_options=ticker_options(view.symbol),
        compare=list(view.compare),
        compare_options=compare_options(list(view.compare)),
        period=None if view.period == CUSTOM else view.period,
        start=view.start,
        end=view.end,
        view=parse_query(query),
    )


# In the browser: a link that asked for something it does not get shows the query put right
# (parse_query's `link` and `fixed`), once per page load: the back button then leads to the link
# as opened (the chart as drawn) and never bounces forward again.
PUT_RIGHT = """
function (search, view) {
    if (window.stockdashPutRight || !view || !view.fixed || search !== view.link) {
        return window.dash_clientside.no_update;
    }
    window.stockdashPutRight = true;
    return view.fixed;
}
"""


def _typed_range(view: View, start: str | None, end: str | None) -> tuple[View, Synced]:
    """A range typed in the date boxes: bad dates left out, a reversed one put in order, each named;
    the boxes show what is charted."""
    if not (start or end):
        return replace(view, period=DEFAULT_PERIOD, start=None, end=None), Synced(period=DEFAULT_PERIOD)
    first, start_note = parse_day(start, which="start")
    last, end_note = parse_day(end, which="end")
    first, last, order_note = in_order(first, last)
    notes = [n for n in (start_note, end_note, order_note) if n]
    if not (first or last):
        view = replace(view, period=DEFAULT_PERIOD, start=None, end=None)
        return view.with_notes(*notes), Synced(period=DEFAULT_PERIOD, start=None, end=None)
    view = replace(view, period=CUSTOM, start=first, end=last).with_notes(*notes)
    boxes = Synced(period=None)
    if notes:
        boxes = boxes._replace(start=first, end=last)
    return view, boxes


def sync(
    trigger: str | None,
    query: str | None,
    ticker: object,
    compare: object,
    period: object,
    start: object,
    end: object,
    shown: object = None,
) -> Synced:
    """URL ⇄ controls: the URL's view on the controls, or a changed control's view in the URL."""
    if trigger in (None, ids.URL):
        return from_url(query, shown)
    view = View.from_query(query).with_notes()  # notes are for a link; a control starts afresh
    out = Synced()
    if trigger == ids.TICKER:
        if not isinstance(ticker, str) or not ticker or ticker == search.NO_MATCH:
            raise PreventUpdate
        # Picked in the box or a clicked mover (set in the browser): the options must hold it.
        view = replace(view, symbol=current(ticker)[0])
        out = out._replace(ticker_options=ticker_options(view.symbol))
        if view.symbol != ticker:
            out = out._replace(ticker=view.symbol)
    elif trigger == ids.COMPARE:
        found, notes = checked_compare(compare if isinstance(compare, list) else [], view.symbol)
        view = replace(view, compare=tuple(found)).with_notes(*notes)
    elif trigger == ids.PERIOD:
        if not isinstance(period, str) or period not in PERIODS:
            raise PreventUpdate
        view = replace(view, period=period, start=None, end=None)
        out = out._replace(start=None, end=None)
    elif trigger == ids.DATES:
        view, out = _typed_range(
            view, start if isinstance(start, str) else None, end if isinstance(end, str) else None
        )
    view = replace(view, compare=tuple(s for s in view.compare if s != view.symbol))
    if list(view.compare) != (compare if isinstance(compare, list) else []):  # the box shows what is compared
        out = out._replace(compare=list(view.compare), compare_options=compare_options(list(view.compare)))
    new_query = view.query()
    return out._replace(url=new_query if new_query != (query or "") else no_update, view=view.store())


def register(app: Dash) -> None:
    """URL ⇄ controls: a shared link or the back button sets the controls, a control sets the URL."""

    @app.callback(
        output=[
            Output(ids.URL, "search"),
            Output(ids.TICKER, "value"),
            Output(ids.TICKER, "options"),
            Output(ids.COMPARE, "value"),
            Output(ids.COMPARE, "options"),
            Output(ids.PERIOD, "value"),
            Output(ids.DATES, "start_date"),
            Output(ids.DATES, "end_date"),
            Output(ids.VIEW, "data"),
        ],
        inputs={
            "query": Input(ids.URL, "search"),
            "ticker": Input(ids.TICKER, "value"),
            "compare": Input(ids.COMPARE, "value"),
            "period": Input(ids.PERIOD, "value"),
            "start": Input(ids.DATES, "start_date"),
            "end": Input(ids.DATES, "end_date"),
        },
        state={"shown": State(ids.VIEW, "data")},
    )
    def _sync(
        query: str | None,
        ticker: object,
        compare: object,
        period: object,
        start: object,
        end: object,
        shown: object,
    ) -> Synced:
        return sync(ctx.triggered_id, query, ticker, compare, period, start, end, shown)

    app.clientside_callback(
        PUT_RIGHT,
        output=Output(ids.URL, "search", allow_duplicate=True),
        inputs=[Input(ids.URL, "search"), Input(ids.VIEW, "data")],
        prevent_initial_call=True,
    )
