"""The Dash web app: `create_app()` builds it; `app.py` exposes its Flask `server` to gunicorn."""

from __future__ import annotations

from pathlib import Path

from dash import Dash
from flask import has_request_context

from stockdash import compat, logs
from stockdash.config import Settings, get_settings
from stockdash.providers.base import Provider
from stockdash.web import api, components, favicon, guard, headers, notfound, page, page_assets, urlstate
from stockdash.web.alerts import callbacks as owner_alerts
from stockdash.web.chart import callbacks as chart_callbacks
from stockdash.web.jsonio import OrjsonProvider
from stockdash.web.live import callbacks as live_callbacks
from stockdash.web.movers import callbacks as movers_callbacks
from stockdash.web.screener import api as screener_api
from stockdash.web.screener import callbacks as screener_callbacks
from stockdash.web.services import Services

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(settings: Settings | None = None, *, provider: Provider | None = None) -> Dash:
    """Build the app without touching the database (gunicorn preloads it, then forks)."""
    settings = settings or get_settings()
    logs.setup(settings.log_level)
    services = Services(settings, provider_override=provider)
    services.deployment  # noqa: B018  decided now, in gunicorn's master: every worker inherits it
    app = Dash(
        __name__,
        title="stockdash",
        update_title=None,  # type: ignore[arg-type]  # None (documented) keeps the tab title still
        compress=True,  # flask-compress: zstd, br or gzip, as the browser accepts
        assets_folder=str(ASSETS),
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    # Outside a request (at import, during setup) the page is the static copy: no database.
    app.layout = lambda: (
        page.page(services, query=page.linked_query()) if has_request_context() else page.page(None)
    )
    app.validation_layout = page.page(None)  # type: ignore[assignment]  # Dash annotates it as None
    app.server.json = OrjsonProvider(app.server)
    urlstate.register(app)
    components.register_after_chart(app)
    chart_callbacks.register(app, services)
    movers_callbacks.register(app, services)
    live_callbacks.register(app, services)
    screener_callbacks.register(app, services)
    owner_alerts.register(app, services)
    api.register(app.server, services)
    app.server.register_blueprint(screener_api.blueprint(services))
    favicon.register(app.server)
    page_assets.install(app)
    if settings.dash_debug:
        app.enable_dev_tools(debug=True)
    # Dash finishes its setup (registering its JS bundles) on the first request and marks it
    # done before doing it, so with threaded workers a parallel request for a bundle can get a
    # 500. Doing it now, once, in the preloaded master, leaves nothing to race on.
    compat.finish_dash_setup(app)
    guard.register(app)
    notfound.register(app)
    headers.register(app)
    setattr(app, "services", services)  # noqa: B010  for tests and the benchmark
    return app
