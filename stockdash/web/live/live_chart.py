"""The live chart: one symbol's session (candles or a line) or the watchlist as % change on the day.

Drawn whole when what it shows changes, then refreshed by a Patch with only the new points (see
figures.py); the chart's label says which day it shows. Plain functions, then `register`.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from dash import Dash, Input, NoUpdate, Output, Patch, State, ctx, dcc, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from stockdash.errors import error_text
from stockdash.live.closes import DailySession
from stockdash.live.hours import (
    last_session,
    session_day,
    stocks_stream_from,
    streams_from,
    trades_around_the_clock,
    trading_day,
)
from stockdash.live.latest import Latest, LiveQuote
from stockdash.live.shared_reads import SharedReads
from stockdash.web import ids
from stockdash.web.components import DB_DOWN, segmented
from stockdash.web.live import data
from stockdash.web.live.data import day_start
from stockdash.web.live.figures import (
    daily_candle_figure,
    session_figure,
    session_patch,
    sized,
    watchlist_figure,
    watchlist_patch,
)
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


def chart_label(symbol: str | None, day: date, now: datetime, *, daily: bool = False) -> str:
    """Which session the chart shows, by its real date, and when the stream opens when it does not
    stream now ("Last session · Wed 02 Dec 2026 · streams from 04:00 ET")."""
    opens = streams_from(symbol, now) if symbol else stocks_stream_from(now)
    today = day == data.ny_date(now) and opens is None
    text = f"{'Today' if today else 'Last session'} · {day:%a %d %b %Y}"
    if daily:
        text += " · daily candle (no minute bars stored)"
    return f"{text} · {opens}" if opens else text


def chart_day(
    services: Services, day_reads: SharedReads, symbols: list[str], quotes: Latest, now: datetime
) -> date:
    """The day the chart shows: the last session that has begun (crypto: its own New York day);
    today's when anything of it is stored, else the session before (a pre-market with nothing
    streamed yet still shows the market)."""
    stocks = [s for s in symbols if not trades_around_the_clock(s)]
    day = max(session_day(s, now) for s in stocks) if stocks else data.ny_date(now)
    if not stocks or day != data.ny_date(now):
        return day
    if any(data.ny_date(q.time) == day for q in quotes.quotes.values()):
        return day
    if any(data.day_bars(services, s, day) for s in symbols):
        return day
    if any(d.day == day for d in data.last_sessions(services, day_reads, stocks, day).values()):
        return day  # today's daily bar (a pull after the close), drawn as a candle
    edges = trading_day(day)
    return last_session(edges.pre_open - timedelta(seconds=1)) if edges else day


def focus_symbol(focus: object, watch: list[str]) -> str | None:
    chosen = focus.get("symbol") if isinstance(focus, dict) else None
    return chosen if isinstance(chosen, str) and chosen in watch else (watch[0] if watch else None)


def live_chart(
    services: Services,
    day_reads: SharedReads,
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
            return _watchlist_chart(services, day_reads, trigger, symbols, held, now)
        symbol = focus_symbol(focus, symbols)
        return _symbol_chart(services, day_reads, trigger, symbol, kind, held, now)
    except SQLAlchemyError as exc:
        log.error("web live chart database error: %s", error_text(exc))
        return ChartAnswer(sized(message_figure(DB_DOWN)), None, "")


def _previous_close(quote: LiveQuote | None, daily: DailySession | None, day: date) -> float | None:
    if quote is not None:
        return quote.previous_close
    return daily.previous_close_for(day) if daily else None


def _refreshing(trigger: object, held: object, key: str) -> Held | None:
    """What the browser holds, when this is a refresh of the same view (so a Patch will do)."""
    if trigger == ids.LIVE_TICK and isinstance(held, dict) and held.get("key") == key and held.get("series"):
        return held
    return None


def _since(series: dict[str, Any], day: date) -> datetime:
    last = data.utc_of(series.get("last"))
    return last or day_start(day)


def _symbol_chart(
    services: Services,
    day_reads: SharedReads,
    trigger: object,
    symbol: str | None,
    chart_type: str,
    held: object,
    now: datetime,
) -> ChartAnswer:
    if symbol is None:
        empty = sized(message_figure("The watchlist is empty: add a symbol to chart it live."))
        return ChartAnswer(empty, None, "")
    got = data.quotes(services, [symbol])
    day = chart_day(services, day_reads, [symbol], got, now)
    quote = got.quotes.get(symbol)
    quote = (
        quote if quote and data.ny_date(quote.time) == day else None
    )  # an older session's: not on this day
    key = f"symbol|{symbol}|{chart_type}|{day}"
    label = f"{symbol} · {chart_label(symbol, day, now)}"
    shown = _refreshing(trigger, held, key)
    if shown is not None:
        rows = data.bars_from(services, symbol, _since(shown["series"][symbol], day), day=day)
        patch, new_held = session_patch(shown, rows, symbol=symbol, quote=quote)
        return ChartAnswer(patch, new_held, label if label != shown.get("label") else no_update)
    rows = data.day_bars(services, symbol, day)
    daily = data.last_sessions(services, day_reads, [symbol], day).get(symbol)
    if not rows and quote is None and daily is not None and daily.day == day:
        label = f"{symbol} · {chart_label(symbol, day, now, daily=True)}"
        figure, new_held = daily_candle_figure(daily, prev_close=daily.previous, key=key)
        return ChartAnswer(figure, new_held | {"label": label}, label)
    figure, new_held = session_figure(
        symbol,
        rows,
        quote=quote,
        prev_close=_previous_close(quote, daily, day),
        day=day,
        chart_type=chart_type,
        key=key,
    )
    return ChartAnswer(figure, new_held | {"label": label}, label)


def _watchlist_chart(
    services: Services,
    day_reads: SharedReads,
    trigger: object,
    symbols: list[str],
    held: object,
    now: datetime,
) -> ChartAnswer:
    if not symbols:
        empty = sized(message_figure("The watchlist is empty: add symbols to compare them."))
        return ChartAnswer(empty, None, "")
    got = data.quotes(services, symbols)
    day = chart_day(services, day_reads, symbols, got, now)
    key = f"all|{','.join(symbols)}|{day}"
    label = f"Watchlist % change on the day · {chart_label(None, day, now)}"
    shown = _refreshing(trigger, held, key)
    if shown is not None:
        new_rows = {
            s: data.bars_from(services, s, _since(one, day), day=day) for s, one in shown["series"].items()
        }
        patch, new_held = watchlist_patch(shown, new_rows)
        return ChartAnswer(patch if patch is not None else no_update, new_held, no_update)
    dailies = data.last_sessions(services, day_reads, symbols, day)
    series = {}
    for symbol in symbols:
        quote = got.quotes.get(symbol)
        quote = quote if quote and data.ny_date(quote.time) == day else None
        prev = _previous_close(quote, dailies.get(symbol), day)
        series[symbol] = (data.day_bars(services, symbol, day), prev)
    figure, new_held = watchlist_figure(series, day=day, key=key)
    return ChartAnswer(figure, new_held | {"label": label}, label)


class Focus(NamedTuple):
    """A clicked row: the chart shows its symbol, and the alert form offers it."""

    focus: dict[str, str]
    view: str
    rule_symbol: str


def register(app: Dash, services: Services, day_reads: SharedReads) -> None:
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
        return live_chart(services, day_reads, trigger=ctx.triggered_id, now=datetime.now(UTC), **values)

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
