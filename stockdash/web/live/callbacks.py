"""The live card's wiring: each part (watchlist, quote refresh, live chart, alerts) registers its own
callbacks, all with Dash's named Output/Input/State objects; the sparklines' reads are shared."""

from __future__ import annotations

from dash import Dash

from stockdash.live.shared_reads import SharedReads
from stockdash.web.live import alert_rules, live_chart, refresh, watchlist
from stockdash.web.live.data import DAY_READS_SECONDS
from stockdash.web.services import Services


def register(app: Dash, services: Services) -> None:
    day_reads = SharedReads(DAY_READS_SECONDS)
    watchlist.register(app, services, day_reads)
    refresh.register(app, services, day_reads)
    live_chart.register(app, services, day_reads)
    alert_rules.register(app)
