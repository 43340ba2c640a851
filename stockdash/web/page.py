"""The page frame: top bar with what data is shown and how fresh, the feature cards, the footer.

Built per request (a function), so every visit reads fresh freshness figures.
"""

from __future__ import annotations

import threading
from datetime import datetime

from cachetools import TTLCache, cached
from dash import dcc, html
from flask import has_request_context, request
from sqlalchemy.exc import SQLAlchemyError

from stockdash import reads
from stockdash.reads import Freshness
from stockdash.web import ids
from stockdash.web.chart.callbacks import chart
from stockdash.web.chart.layout import chart_card
from stockdash.web.chart.options import DEFAULT_CHART_TYPE
from stockdash.web.client import client_address
from stockdash.web.components import drawn_after_chart
from stockdash.web.live.layout import live_card
from stockdash.web.markets import layout as markets
from stockdash.web.markets.data import Last, cached_last_closes
from stockdash.web.movers.layout import movers_card
from stockdash.web.screener.layout import screener_card, tabs
from stockdash.web.services import Services
from stockdash.web.urlstate import parse_query, query_of


def _when(ts: datetime) -> str:
    return ts.strftime("%d %b %Y %H:%M UTC")


def freshness_bar(info: Freshness) -> list:
    """Demo badge, provider, last pull and newest session: what the visitor is looking at."""
    parts: list = []
    if info.is_demo:
        parts.append(
            html.Span(
                "Demo data",
                className="pill pill-demo",
                title="Generated offline by the demo provider: not real market prices",
            )
        )
    provider = {"demo": "Demo provider", "yahoo": "Yahoo Finance"}.get(info.provider or "", "No data yet")
    parts.append(html.Span(provider, className="meta"))
    if info.last_pull:
        parts.append(html.Span(f"Last pull {_when(info.last_pull)}", className="meta"))
    else:
        parts.append(html.Span("No successful pull yet", className="meta"))
    if info.latest_bar:
        parts.append(html.Span(f"Prices to {info.latest_bar:%d %b %Y}", className="meta"))
    return parts


# The top bar's figures change once a day (a pull); every page view need not read them.
@cached(TTLCache(maxsize=8, ttl=10), key=lambda services: services.database_url, lock=threading.Lock())
def _cached_freshness(services: Services) -> Freshness:
    return reads.freshness(services.engine_if_up())


def linked_query() -> str:
    """The query string of the link the visitor opened (inside the layout request).

    Dash fetches the layout from a script, so the page's URL arrives as the request's Referer
    (same origin: sent in full under the default referrer policy). Without it the default view
    is drawn and urlstate.sync switches to the URL's view as soon as the page reports it.
    """
    return query_of(request.referrer)


def owner_alerts_card(services: Services | None) -> html.Section:
    """The owner's delivered alerts (stockdash/web/alerts/): filled only for the owner's session."""
    from stockdash.alerts.channels import parse_channels
    from stockdash.alerts.rules import all_rules
    from stockdash.web.alerts import auth
    from stockdash.web.alerts.layout import owner_card

    if services is None:  # the static copy Dash validates ids against: every part, no data
        return owner_card(enabled=True, owner=False, rules=[], channels=[])
    settings = services.settings
    owner = auth.is_owner(settings)
    found, channels = [], []
    if owner:
        channels = parse_channels(settings.alert_channels)
        try:
            with services.engine.connect() as conn:
                found = all_rules(conn)
        except SQLAlchemyError:
            found = []
    return owner_card(enabled=auth.enabled(settings), owner=owner, rules=found, channels=channels)


def page(services: Services | None, *, query: str = "") -> html.Div:
    """The whole page, with the linked view's chart drawn in it from what is stored (the provider is
    never asked here); the database being down costs the freshness line, never the page.

    `services=None` gives the static copy Dash validates callback ids against.
    """
    bar: list = []
    lasts: dict[str, Last] | None = None
    view = parse_query(query)
    drawn = None
    fetching: set[str] = set()
    if services is not None:
        drawn = chart(
            services,
            view,
            view.get("chart_type", DEFAULT_CHART_TYPE),
            view["overlays"],
            client=client_address(request) if has_request_context() else "",
            fetching=fetching,
            stored_only=True,  # a stale or missing ticker is fetched by the chart callback next
        )
        try:
            bar = freshness_bar(_cached_freshness(services))
            lasts = cached_last_closes(services, tuple(markets.SYMBOLS))
        except SQLAlchemyError:
            bar = [
                html.Span(
                    "Database unavailable: prices cannot be shown right now", className="pill pill-error"
                )
            ]
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.VIEW, data=view),
            dcc.Store(id=ids.VIEWPORT),
            dcc.Store(id=ids.SCREEN),
            html.Header(
                className="topbar",
                children=[
                    html.Div(
                        className="brand",
                        children=[
                            html.Span("▲", className="logo"),
                            html.Span("stockdash"),
                            html.Small("daily prices & movers"),
                        ],
                    ),
                    html.Div(bar, id=ids.FRESHNESS, className="freshness"),
                ],
            ),
            markets.markets_strip(lasts),
            html.Main(
                className="content",
                children=[
                    tabs(),
                    html.Div(
                        [
                            chart_card(view, drawn, fetching=bool(fetching)),
                            live_card(),
                            owner_alerts_card(services),
                            movers_card(view, static=services is None),
                        ],
                        id=ids.CHART_TAB,
                        className="tab-body",
                    ),
                    html.Div(
                        drawn_after_chart(ids.SCREENER_BODY, screener_card()),
                        id=ids.SCREENER_TAB,
                        className="tab-body",
                        style={"display": "none"},
                    ),
                ],
            ),
            html.Footer(
                className="footer",
                children="Daily bars after the close; prices in USD. Not investment advice.",
            ),
        ],
    )
