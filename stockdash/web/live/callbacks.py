"""The live card's wiring: each part (watchlist, quote refresh, live chart, alerts) registers its own
callbacks, all with Dash's named Output/Input/State objects; the sparklines' reads are shared."""

from __future__ import annotations

from dash import Dash

from stockdash.live.shared_reads import SharedReads
from stockdash.web.live import alert_rules, live_chart, refresh, watchlist
from stockdash.web.live.data import SPARK_SECONDS
from stockdash.web.services import Services


def register(app: Dash, services: Services) -> None:
    sparks = SharedReads(SPARK_SECONDS)
    watchlist.register(app, services, sparks)
    refresh.register(app, services, sparks)
    live_chart.register(app, services)
    alert_rules.register(app)
