"""The live chart: one symbol's session (candles or a line) or the watchlist as % change on the day.

Drawn whole when what it shows changes, then refreshed by a Patch with only the new points (see
figures.py); the chart's label says which day it shows. Plain functions, then `register`.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from dash import Dash, Input, NoUpdate, Output, Patch, State, ctx, dcc, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from stockdash.calendar import NEW_YORK
from stockdash.errors import error_text
from stockdash.live.hours import trades_around_the_clock
from stockdash.web import ids
from stockdash.web.components import DB_DOWN, segmented
from stockdash.web.live import data
from stockdash.web.live.data import day_start
from stockdash.web.live.figures import (
    session_figure,
    session_patch,
    sized,
    watchlist_figure,
    watchlist_patch,
)
from stockdash.web.live.status import market_status
from stockdash.web.live.watchlist import clean_watch, clicked_symbol
from stockdash.web.plotting import message_figure
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

Held = dict[str, Any]  # what the browser holds of the chart (figures.py), kept in a dcc.Store


def panel() -> html.Div:
    views = [{"label": "Symbol", "value": "symbol"}, {"label": "Watchlist % change", "value": "all"}]
    types = [{"label": "Candles", "value": "candles"}, {"label": "Line", "value": "line"}]
    return html.Div(
        [
            html.Div(
                [
                    html.Div(id=ids.LIVE_LABEL, className="live-label"),
                    segmented(ids.LIVE_VIEW, views, "symbol"),
                    segmented(ids.LIVE_TYPE, types, "line"),
                ],
                className="controls",
            ),
            dcc.Graph(
                id=ids.LIVE_GRAPH,
                config={"displaylogo": False, "responsive": True, "displayModeBar": False},
                className="live-graph",
            ),
        ],
        className="live-chart",
    )


class ChartAnswer(NamedTuple):
    """The figure (or a Patch of new points), what the browser then holds, and the chart's label."""

    figure: dict[str, Any] | Patch | NoUpdate
    held: Held | None
    label: str | NoUpdate


def _label(symbol: str | None, day: date, now: datetime) -> str:
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
    trigger: object,
    focus: object,
    view: str | None,
    chart_type: str | None,
    watch: object,
    held: object,
    now: datetime,
) -> ChartAnswer:
    """The chart for the view. A refresh whose view is unchanged sends only new points."""
    symbols = clean_watch(watch)
    kind = "candles" if chart_type == "candles" else "line"
    try:
        if view == "all":
            return _watchlist_chart(services, trigger, symbols, held, now)
        return _symbol_chart(services, trigger, focus_symbol(focus, symbols), kind, held, now)
    except SQLAlchemyError as exc:
        log.error("web live chart database error: %s", error_text(exc))
        return ChartAnswer(sized(message_figure(DB_DOWN)), None, "")


def _refreshing(trigger: object, held: object, key: str) -> Held | None:
    """What the browser holds, when this is a refresh of the same view (so a Patch will do)."""
    if trigger == ids.LIVE_TICK and isinstance(held, dict) and held.get("key") == key and held.get("series"):
        return held
    return None


def _since(series: dict[str, Any], day: date) -> datetime:
    last = data.utc_of(series.get("last"))
    return last or day_start(day)


def _symbol_chart(
    services: Services, trigger: object, symbol: str | None, chart_type: str, held: object, now: datetime
) -> ChartAnswer:
    if symbol is None:
        return ChartAnswer(
            sized(message_figure("The watchlist is empty: add a symbol to chart it live.")), None, ""
        )
    quote = data.quotes(services, [symbol]).quotes.get(symbol)
    day = data.session_day(quote, now)
    key = f"symbol|{symbol}|{chart_type}|{day}"
    label = f"{symbol} · {_label(symbol, day, now)}"
    shown = _refreshing(trigger, held, key)
    if shown is not None:
        rows = data.bars_from(services, symbol, _since(shown["series"][symbol], day), day=day)
        patch, new_held = session_patch(shown, rows, symbol=symbol, quote=quote)
        return ChartAnswer(patch, new_held, label if label != shown.get("label") else no_update)
    rows = data.day_bars(services, symbol, day)
    figure, new_held = session_figure(
        symbol,
        rows,
        quote=quote,
        prev_close=quote.previous_close if quote else None,
        day=day,
        chart_type=chart_type,
        key=key,
    )
    return ChartAnswer(figure, new_held | {"label": label}, label)


def _watchlist_chart(
    services: Services, trigger: object, symbols: list[str], held: object, now: datetime
) -> ChartAnswer:
    if not symbols:
        return ChartAnswer(
            sized(message_figure("The watchlist is empty: add symbols to compare them.")), None, ""
        )
    got = data.quotes(services, symbols)
    days = [data.session_day(q, now) for q in got.quotes.values()] or [data.session_day(None, now)]
    day = max(days)
    key = f"all|{','.join(symbols)}|{day}"
    label = f"Watchlist % change on the day · {_label(None, day, now)}"
    shown = _refreshing(trigger, held, key)
    if shown is not None:
        new_rows = {
            s: data.bars_from(services, s, _since(one, day), day=day) for s, one in shown["series"].items()
        }
        patch, new_held = watchlist_patch(shown, new_rows)
        return ChartAnswer(patch if patch is not None else no_update, new_held, no_update)
    series = {}
    for symbol in symbols:
        quote = got.quotes.get(symbol)
        series[symbol] = (data.day_bars(services, symbol, day), quote.previous_close if quote else None)
    figure, new_held = watchlist_figure(series, day=day, key=key)
    return ChartAnswer(figure, new_held | {"label": label}, label)


class Focus(NamedTuple):
    """A clicked row: the chart shows its symbol, and the alert form offers it."""

    focus: dict[str, str]
    view: str
    rule_symbol: str


def register(app: Dash, services: Services) -> None:
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
    def _chart(tick: object, **values: Any) -> ChartAnswer:
        return live_chart(services, trigger=ctx.triggered_id, now=datetime.now(UTC), **values)

    @app.callback(
        output=[
            Output(ids.LIVE_FOCUS, "data"),
            Output(ids.LIVE_VIEW, "value"),
            Output(ids.RULE_SYMBOL, "value"),
        ],
        inputs={"click": Input(ids.WATCH_GRID, "cellClicked")},
        prevent_initial_call=True,
    )
    def _focus(click: object) -> Focus:
        symbol = clicked_symbol(click)
        return Focus({"symbol": symbol}, "symbol", symbol)
