"""The live card: market status, the watchlist table, the live chart, and price alerts.

Each part's components are drawn by its own module (watchlist.py, live_chart.py, alert_rules.py);
this one holds the card's stores and puts the parts in order.
"""

from __future__ import annotations

from dash import dcc, html

from stockdash.web import ids
from stockdash.web.components import card, drawn_after_chart
from stockdash.web.live import alert_rules, live_chart, watchlist

REFRESH_MS = 2000  # how often a visible page asks for what is new (the stream writes once a second)


def _head() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Live"),
                    html.Span(id=ids.LIVE_DEMO),
                    html.Span(id=ids.LIVE_MARKET, className="market-status"),
                ],
                className="live-title",
            ),
            html.Div([watchlist.add_box()], className="watch-controls"),
        ],
        className="card-head",
    )


def live_card() -> html.Section:
    return card(
        dcc.Interval(id=ids.LIVE_TICK, interval=REFRESH_MS, n_intervals=0),
        dcc.Store(id=ids.WATCH),
        dcc.Store(id=ids.WATCH_SAVED, storage_type="local"),
        dcc.Store(id=ids.LIVE_FOCUS),
        dcc.Store(id=ids.LIVE_HELD),
        dcc.Store(id=ids.RULES, storage_type="local"),
        dcc.Store(id=ids.RULE_STATE, storage_type="local"),
        dcc.Store(id=ids.FIRED, storage_type="local"),
        dcc.Store(id=ids.LIVE_SINK),
        dcc.Store(id=ids.LIVE_ROWS),
        _head(),
        html.Div(id=ids.WATCH_NOTE, className="notice", role="status"),
        drawn_after_chart(
            ids.LIVE_BODY,
            [
                watchlist.table(),
                html.P("Click a row to chart its session; ✕ removes it.", className="hint"),
                live_chart.panel(),
                alert_rules.panel(),
            ],
        ),
        html.Div(id=ids.TOASTS, className="toasts", role="status"),
    )
