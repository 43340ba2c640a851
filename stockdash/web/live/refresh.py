"""One refresh of the quotes, every few seconds: the watchlist's rows updated in place, the market
status line, the demo badge, and the alert rules stepped with the new quotes.

One `dcc.Interval` drives it and the chart's refresh (live_chart.py). The browser pauses the
interval while the tab is hidden (assets/live.js); the next refresh after it shows again catches
up from the last point the chart holds.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, NamedTuple

from dash import ClientsideFunction, Dash, Input, NoUpdate, Output, State, html, no_update
from sqlalchemy.exc import SQLAlchemyError

from stockdash.errors import error_text
from stockdash.live.latest import Latest
from stockdash.live.shared_reads import SharedReads
from stockdash.web import ids
from stockdash.web.components import DB_DOWN
from stockdash.web.live import alerts, data
from stockdash.web.live.status import market_status
from stockdash.web.live.watchlist import clean_watch, table_rows
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

MAX_ASKED = 50  # symbols one refresh asks quotes for (the watchlist and the alert rules' symbols)


def market_children(now: datetime, got: Latest | None) -> tuple[list[html.Span], list[html.Span]]:
    """(status line, demo badge)."""
    session, text = market_status(now)
    line = [html.Span(className=f"dot dot-{session}"), html.Span(text)]
    demo = []
    if got is not None and got.is_demo:
        demo = [
            html.Span("Demo stream", className="pill pill-demo", title="Generated offline: not real prices")
        ]
    return line, demo


class Refresh(NamedTuple):
    """One refresh's answer: the rows' transaction, the status line, the badge, rule states, fired."""

    rows: dict[str, Any] | NoUpdate
    market: list[html.Span]
    demo: list[html.Span] | NoUpdate
    states: dict[str, Any] | NoUpdate
    fired: list[dict[str, Any]] | NoUpdate


def refresh_quotes(
    services: Services,
    day_reads: SharedReads,
    *,
    watch: object,
    rules: object,
    states: object,
    fired: object,
    now: datetime,
) -> Refresh:
    symbols = clean_watch(watch)
    parsed = alerts.parse_rules(rules)
    asked = list(dict.fromkeys([*symbols, *(r.symbol for r in parsed)]))[:MAX_ASKED]
    try:
        got = data.quotes(services, asked) if asked else None
    except SQLAlchemyError as exc:
        log.error("web live quotes database error: %s", error_text(exc))
        line, _ = market_children(now, None)
        down = [*line, html.Span(f" · {DB_DOWN}", className="neg")]
        return Refresh(no_update, down, no_update, no_update, no_update)
    line, demo = market_children(now, got)
    if got is None:
        return Refresh(no_update, line, demo, no_update, no_update)
    transaction: dict[str, Any] | NoUpdate = no_update
    if symbols:
        transaction = {"update": table_rows(services, day_reads, symbols, got, now)}
    new_states, now_fired = alerts.evaluate(parsed, states, got.quotes)
    out_fired: list[dict[str, Any]] | NoUpdate = no_update
    if now_fired:
        earlier = [f for f in fired if isinstance(f, dict)] if isinstance(fired, list) else []
        out_fired = (list(reversed(now_fired)) + earlier)[: alerts.MAX_FIRED]
    return Refresh(transaction, line, demo, new_states, out_fired)


def register(app: Dash, services: Services, day_reads: SharedReads) -> None:
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
    def _refresh(tick: object, **values: Any) -> Refresh:
        return refresh_quotes(services, day_reads, now=datetime.now(UTC), **values)

    # In the browser (assets/live.js): no refresh while the tab is hidden.
    app.clientside_callback(
        ClientsideFunction("live", "pause_when_hidden"),
        output=Output(ids.LIVE_TICK, "disabled"),
        inputs=[Input(ids.LIVE_TICK, "id")],
    )
