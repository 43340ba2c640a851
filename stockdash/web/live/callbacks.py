"""The live card's callbacks: plain functions (tested without a browser) and their wiring.

One `dcc.Interval` drives two refreshes: the quotes (table rows updated in place, market status,
alerts) and the chart (a Patch with only the new points). The interval is paused by the browser
while the tab is hidden (assets/live.js) and the next refresh after it shows again catches up from
the last point the chart holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from stockdash.calendar import NEW_YORK
from stockdash.errors import error_text
from stockdash.live.hours import trades_around_the_clock
from stockdash.live.shared_reads import SharedReads
from stockdash.universe import name_of
from stockdash.web import ids, search
from stockdash.web.components import DB_DOWN, callback, clientside
from stockdash.web.live import alerts, data
from stockdash.web.live.data import SPARK_SECONDS, Quotes, day_start
from stockdash.web.live.figures import (
    session_figure,
    session_patch,
    sized,
    watchlist_figure,
    watchlist_patch,
)
from stockdash.web.live.status import market_status
from stockdash.web.live.watchable import known_symbol
from stockdash.web.plotting import message_figure
from stockdash.web.services import Services
from stockdash.web.urlstate import MAX_WATCH, format_query, parse_query, valid_symbols

log = logging.getLogger("stockdash.web")

MAX_ASKED = 50  # symbols one refresh asks quotes for (the watchlist and the alert rules' symbols)


# --- the watchlist -----------------------------------------------------------------------------


def clean_watch(raw: object) -> list[str]:
    """Valid, distinct symbols, at most MAX_WATCH; anything else in stored data is dropped."""
    items = [str(s)[:24] for s in raw if isinstance(s, str)] if isinstance(raw, list) else []
    return valid_symbols(items)[0][:MAX_WATCH]


def edit_watch(
    trigger: str | None,
    *,
    query: str | None,
    saved: object,
    current: object,
    added: str | None,
    click: dict | None,
    default: list[str],
    known: Callable[[str], bool] = lambda symbol: True,
) -> tuple:
    """(watch, saved, url search, add box value, note) after a load, a link, an add or a remove.

    `known` says whether an added symbol is one we have prices for (watchable.py): a typed
    ZZZZ would otherwise wait in the list forever for quotes that never come.
    """
    now = clean_watch(current) if isinstance(current, list) else None
    view = parse_query(query)
    if trigger in (None, ids.URL, ids.WATCH_SAVED):
        if view["watch"] is not None:
            watch = view["watch"]
        elif isinstance(saved, list):
            watch = clean_watch(saved)
        else:
            watch = default[:MAX_WATCH]
        if watch == now:
            raise PreventUpdate
        keep = no_update if view["watch"] is None or watch == saved else watch
        return watch, keep, no_update, no_update, ""
    watch = list(now or [])
    note = ""
    if trigger == ids.WATCH_ADD:
        if not added or added == search.NO_MATCH:
            raise PreventUpdate
        found = clean_watch([added])
        symbol = found[0] if found else None
        if symbol is None:
            note = f"{added[:24]!r} is not a ticker symbol."
        elif symbol in watch:
            note = f"{symbol} is already in the watchlist."
        elif not known(symbol):
            note = f"{symbol} is not a symbol we know: chart it first; once it has prices it can be watched."
        elif len(watch) >= MAX_WATCH:
            note = f"The watchlist holds up to {MAX_WATCH} symbols: remove one first."
        else:
            watch.append(symbol)
    elif trigger == ids.WATCH_GRID:
        click = click if isinstance(click, dict) else {}
        if click.get("colId") != "remove" or click.get("rowId") not in watch:
            raise PreventUpdate
        watch.remove(click["rowId"])
    else:
        raise PreventUpdate
    if watch == now:
        return no_update, no_update, no_update, None, note
    return watch, watch, format_query(view | {"watch": watch}), None, note


def _clock(quote: dict) -> str:
    return data.quote_time(quote).astimezone(NEW_YORK).strftime("%H:%M:%S")


def row(symbol: str, quote: dict | None, *, note: str | None, spark: list) -> dict:
    """One watchlist row: the quote's figures, or why there is none yet."""
    q = quote or {}
    return {
        "symbol": symbol,
        "name": name_of(symbol),
        "price": q.get("price"),
        "change": q.get("change"),
        "pct_change": q.get("pct_change"),
        "day_volume": q.get("day_volume"),
        "time": _clock(quote) if quote else ("slots full" if note and "full" in note else "waiting"),
        "session": q.get("session") or "",
        "spark": spark,
        "note": note or "",
    }


def table_rows(services: Services, sparks: SharedReads, watch: list[str], got: Quotes, now: datetime) -> list:
    return [
        row(
            s,
            got.by_symbol.get(s),
            note=got.not_live.get(s),
            spark=data.sparkline(services, sparks, s, got.by_symbol.get(s), now),
        )
        for s in watch
    ]


# --- one refresh of the quotes: table, market status, alerts -----------------------------------


def market_children(now: datetime, got: Quotes | None) -> tuple[list, list]:
    """(status line, demo badge)."""
    session, text = market_status(now)
    line = [html.Span(className=f"dot dot-{session}"), html.Span(text)]
    demo = []
    if got is not None and got.is_demo:
        demo = [
            html.Span("Demo stream", className="pill pill-demo", title="Generated offline: not real prices")
        ]
    return line, demo


def refresh_quotes(
    services: Services,
    sparks: SharedReads,
    *,
    watch: object,
    rules: object,
    states: object,
    fired: object,
    now: datetime,
) -> tuple:
    """(row transaction, market line, demo badge, rule states, fired list) for one refresh."""
    symbols = clean_watch(watch)
    parsed = alerts.parse_rules(rules)
    asked = list(dict.fromkeys([*symbols, *(r.symbol for r in parsed)]))[:MAX_ASKED]
    try:
        got = data.quotes(services, asked) if asked else None
    except SQLAlchemyError as exc:
        log.error("web live quotes database error: %s", error_text(exc))
        line, _ = market_children(now, None)
        return (
            no_update,
            [*line, html.Span(f" · {DB_DOWN}", className="neg")],
            no_update,
            no_update,
            no_update,
        )
    line, demo = market_children(now, got)
    if got is None:
        return no_update, line, demo, no_update, no_update
    transaction = {"update": table_rows(services, sparks, symbols, got, now)} if symbols else no_update
    new_states, now_fired = alerts.evaluate(parsed, states, got.by_symbol)
    out_fired: object = no_update
    if now_fired:
        earlier = [f for f in fired if isinstance(f, dict)] if isinstance(fired, list) else []
        out_fired = (list(reversed(now_fired)) + earlier)[: alerts.MAX_FIRED]
    return transaction, line, demo, new_states, out_fired


# --- one refresh of the chart: whole when the view changes, a Patch of new points otherwise ----


def _label(symbol: str | None, day, now: datetime) -> str:
    today = now.astimezone(NEW_YORK).date()
    session, _ = market_status(now)
    around = symbol is not None and trades_around_the_clock(symbol)
    if day < today or (session == "closed" and not around):
        return f"Last session · {day:%a %d %b %Y} · market closed"
    return f"Today · {day:%a %d %b %Y}"


def focus_symbol(focus: object, watch: list[str]) -> str | None:
    chosen = focus.get("symbol") if isinstance(focus, dict) else None
    return chosen if isinstance(chosen, str) and chosen in watch else (watch[0] if watch else None)


def live_chart(
    services: Services,
    *,
    trigger: str | None,
    focus: object,
    view: str | None,
    chart_type: str | None,
    watch: object,
    held: object,
    now: datetime,
) -> tuple:
    """(figure or Patch, held, label). A refresh whose view is unchanged sends only new points."""
    symbols = clean_watch(watch)
    chart_type = "candles" if chart_type == "candles" else "line"
    try:
        if view == "all":
            return _watchlist_chart(services, trigger, symbols, held, now)
        return _symbol_chart(services, trigger, focus_symbol(focus, symbols), chart_type, held, now)
    except SQLAlchemyError as exc:
        log.error("web live chart database error: %s", error_text(exc))
        return sized(message_figure(DB_DOWN)), None, ""


def _is_refresh(trigger: str | None, held: object, key: str) -> bool:
    return (
        trigger == ids.LIVE_TICK
        and isinstance(held, dict)
        and held.get("key") == key
        and bool(held.get("series"))
    )


def _since(series: dict, day) -> datetime:
    last = series.get("last")
    return data.quote_time({"time": last}) if last else day_start(day)


def _symbol_chart(services, trigger, symbol, chart_type, held, now) -> tuple:
    if symbol is None:
        return (
            sized(message_figure("The watchlist is empty: add a symbol to chart it live.")),
            None,
            "",
        )
    quote = data.quotes(services, [symbol]).by_symbol.get(symbol)
    day = data.session_day(quote, now)
    key = f"symbol|{symbol}|{chart_type}|{day}"
    label = f"{symbol} · {_label(symbol, day, now)}"
    if _is_refresh(trigger, held, key):
        assert isinstance(held, dict)
        rows = data.bars_from(services, symbol, _since(held["series"][symbol], day), day=day)
        patch, new_held = session_patch(held, rows, symbol=symbol, quote=quote)
        return patch, new_held, (label if label != held.get("label") else no_update)
    rows = data.day_bars(services, symbol, day)
    figure, new_held = session_figure(
        symbol,
        rows,
        quote=quote,
        prev_close=data.previous_close(quote),
        day=day,
        chart_type=chart_type,
        key=key,
    )
    return figure, new_held | {"label": label}, label


def _watchlist_chart(services, trigger, symbols, held, now) -> tuple:
    if not symbols:
        return sized(message_figure("The watchlist is empty: add symbols to compare them.")), None, ""
    got = data.quotes(services, symbols)
    days = [data.session_day(q, now) for q in got.by_symbol.values()] or [data.session_day(None, now)]
    day = max(days)
    key = f"all|{','.join(symbols)}|{day}"
    label = f"Watchlist % change on the day · {_label(None, day, now)}"
    if _is_refresh(trigger, held, key):
        assert isinstance(held, dict)
        new_rows = {
            s: data.bars_from(services, s, _since(one, day), day=day) for s, one in held["series"].items()
        }
        patch, new_held = watchlist_patch(held, new_rows)
        return (patch if patch is not None else no_update), new_held, no_update
    series = {
        s: (data.day_bars(services, s, day), data.previous_close(got.by_symbol.get(s))) for s in symbols
    }
    figure, new_held = watchlist_figure(series, day=day, key=key)
    return figure, new_held | {"label": label}, label


# --- alert rules -------------------------------------------------------------------------------


def edit_rules(
    trigger: object,
    *,
    rules: object,
    symbol: str | None,
    kind: str | None,
    value: object,
    minutes: object,
    clicked: bool,
) -> tuple[object, str]:
    """(rules, note) after an add or a remove; a bad rule is a plain note and changes nothing."""
    current = [alerts.rule_json(r) for r in alerts.parse_rules(rules)]
    if isinstance(trigger, dict) and trigger.get("type") == ids.RULE_REMOVE:
        if not clicked:
            raise PreventUpdate  # a remove button appearing, not clicked
        return [r for r in current if r["id"] != trigger.get("index")], ""
    if trigger != ids.RULE_ADD or not clicked:
        raise PreventUpdate
    if len(current) >= alerts.MAX_RULES:
        return no_update, f"Up to {alerts.MAX_RULES} alerts: remove one first."
    raw = {
        "id": f"r{time.time_ns() // 1000}",
        "symbol": symbol,
        "kind": kind,
        "value": value,
        "minutes": minutes,
    }
    if not symbol:
        return no_update, "Choose the symbol the alert watches."
    try:
        rule = alerts.make_rule(raw)
    except alerts.BadRule as exc:
        return no_update, f"{str(exc)[:1].upper()}{str(exc)[1:]}."
    return [*current, alerts.rule_json(rule)], ""


def rule_items(rules: object) -> list:
    items = [
        html.Li(
            [
                html.Span(alerts.describe(r)),
                html.Button(
                    "✕", id={"type": ids.RULE_REMOVE, "index": r.id}, className="link", title="Remove"
                ),
            ]
        )
        for r in alerts.parse_rules(rules)
    ]
    return items or [html.Li("No alerts yet.", className="meta")]


def fired_items(fired: object) -> list:
    items = []
    for f in fired if isinstance(fired, list) else []:
        if not isinstance(f, dict) or not isinstance(f.get("time"), str):
            continue
        try:
            when = data.quote_time({"time": f["time"]}).astimezone(NEW_YORK)
        except ValueError:
            continue
        items.append(
            html.Li(
                [
                    html.Span(f"{when:%d %b %H:%M:%S} ET", className="meta"),
                    html.Span(str(f.get("text"))[:200]),
                ]
            )
        )
    return items or [html.Li("Nothing has fired.", className="meta")]


# --- wiring ------------------------------------------------------------------------------------


# What editing the watchlist changes: the list, its saved copy, the link, the add box, a note.
WATCH_OUTPUTS = [
    Output(ids.WATCH, "data"),
    Output(ids.WATCH_SAVED, "data"),
    Output(ids.URL, "search", allow_duplicate=True),
    Output(ids.WATCH_ADD, "value"),
    Output(ids.WATCH_NOTE, "children"),
]


def register(app: Dash, services: Services) -> None:
    sparks = SharedReads(SPARK_SECONDS)
    default = services.settings.watchlist_symbols

    # Inputs and states named (https://dash.plotly.com/flexible-callback-signatures): a callback
    # gets their values as keywords and hands on those its plain function takes (not a tick or a
    # timestamp that only triggers it); the browser still sends them as lists, in this order.
    @app.callback(
        output=WATCH_OUTPUTS,
        inputs={
            "query": Input(ids.URL, "search"),
            "saved_at": Input(ids.WATCH_SAVED, "modified_timestamp"),
            "added": Input(ids.WATCH_ADD, "value"),
            "click": Input(ids.WATCH_GRID, "cellClicked"),
        },
        state={"saved": State(ids.WATCH_SAVED, "data"), "current": State(ids.WATCH, "data")},
        prevent_initial_call="initial_duplicate",
    )
    def _watch(saved_at, **values):
        known = partial(known_symbol, services)
        return edit_watch(ctx.triggered_id, default=default, known=known, **values)

    @callback(app, [(ids.WATCH_ADD, "options")], [(ids.WATCH_ADD, "search_value"), (ids.WATCH_ADD, "value")])
    def _add_options(text, value):
        # As the ticker box does: the picked symbol stays an option, so the box keeps it until added.
        return search.options(text, selected=[value] if isinstance(value, str) else [])

    @app.callback(
        Output(ids.WATCH_GRID, "rowData"),
        Output(ids.RULE_SYMBOL, "options"),
        Output(ids.RULE_SYMBOL, "value", allow_duplicate=True),
        Input(ids.WATCH, "data"),
        State(ids.RULE_SYMBOL, "value"),
        prevent_initial_call="initial_duplicate",
    )
    def _rows(watch, rule_symbol):
        symbols = clean_watch(watch)
        now = datetime.now(UTC)
        try:
            got = data.quotes(services, symbols) if symbols else Quotes({}, {}, {})
        except SQLAlchemyError as exc:
            log.error("web live rows database error: %s", error_text(exc))
            got = Quotes({}, {}, {})
        chosen = rule_symbol if rule_symbol in symbols else (symbols[0] if symbols else None)
        return table_rows(services, sparks, symbols, got, now), symbols, chosen

    @app.callback(
        output=[
            Output(ids.LIVE_ROWS, "data"),
            Output(ids.LIVE_MARKET, "children"),
            Output(ids.LIVE_DEMO, "children"),
            Output(ids.RULE_STATE, "data"),
            Output(ids.FIRED, "data"),
        ],
        inputs={"tick": Input(ids.LIVE_TICK, "n_intervals")},
        state={
            "watch": State(ids.WATCH, "data"),
            "rules": State(ids.RULES, "data"),
            "states": State(ids.RULE_STATE, "data"),
            "fired": State(ids.FIRED, "data"),
        },
    )
    def _refresh(tick, **values):
        return refresh_quotes(services, sparks, now=datetime.now(UTC), **values)

    @app.callback(
        output=[
            Output(ids.LIVE_GRAPH, "figure"),
            Output(ids.LIVE_HELD, "data"),
            Output(ids.LIVE_LABEL, "children"),
        ],
        inputs={
            "tick": Input(ids.LIVE_TICK, "n_intervals"),
            "focus": Input(ids.LIVE_FOCUS, "data"),
            "view": Input(ids.LIVE_VIEW, "value"),
            "chart_type": Input(ids.LIVE_TYPE, "value"),
            "watch": Input(ids.WATCH, "data"),
        },
        state={"held": State(ids.LIVE_HELD, "data")},
    )
    def _chart(tick, **values):
        return live_chart(services, trigger=ctx.triggered_id, now=datetime.now(UTC), **values)

    outputs = [(ids.LIVE_FOCUS, "data"), (ids.LIVE_VIEW, "value"), (ids.RULE_SYMBOL, "value")]

    @callback(app, outputs, [(ids.WATCH_GRID, "cellClicked")], prevent_initial_call=True)
    def _focus(click):
        click = click if isinstance(click, dict) else {}
        if click.get("colId") == "remove" or not isinstance(click.get("rowId"), str):
            raise PreventUpdate
        return {"symbol": click["rowId"]}, "symbol", click["rowId"]

    @app.callback(
        output=[Output(ids.RULES, "data"), Output(ids.RULE_NOTE, "children")],
        inputs={
            "add": Input(ids.RULE_ADD, "n_clicks"),
            "removes": Input({"type": ids.RULE_REMOVE, "index": ALL}, "n_clicks"),
        },
        state={
            "rules": State(ids.RULES, "data"),
            "symbol": State(ids.RULE_SYMBOL, "value"),
            "kind": State(ids.RULE_KIND, "value"),
            "value": State(ids.RULE_VALUE, "value"),
            "minutes": State(ids.RULE_MINUTES, "value"),
        },
        prevent_initial_call=True,
    )
    def _rules(add, removes, **values):
        clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
        return edit_rules(ctx.triggered_id, clicked=clicked, **values)

    @callback(app, [(ids.RULE_LIST, "children")], [(ids.RULES, "data")])
    def _rule_list(rules):
        return rule_items(rules)

    @callback(app, [(ids.FIRED_LIST, "children")], [(ids.FIRED, "data")])
    def _fired_list(fired):
        return fired_items(fired)

    @callback(app, [(ids.RULE_MINUTES, "disabled")], [(ids.RULE_KIND, "value")])
    def _minutes_used(kind):
        return kind != "move"

    # In the browser (assets/live.js): pause the refresh while the tab is hidden, row updates as an
    # AG Grid transaction on the rows the grid holds (a refresh may cross a watchlist edit), toasts
    # and notifications for what fired, and asking the visitor for notification permission.
    clientside(app, "live.pause_when_hidden", [(ids.LIVE_TICK, "disabled")], [(ids.LIVE_TICK, "id")])
    clientside(
        app,
        "live.update_rows",
        [(ids.WATCH_GRID, "rowTransaction")],
        [(ids.LIVE_ROWS, "data")],
        states=[(ids.WATCH_GRID, "rowData")],
        prevent_initial_call=True,
    )
    clientside(app, "live.toast_fired", [(ids.LIVE_SINK, "data")], [(ids.FIRED, "data")])
    clientside(app, "live.ask_notifications", [(ids.NOTIFY_STATE, "children")], [(ids.NOTIFY, "n_clicks")])
