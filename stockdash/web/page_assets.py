"""What the page loads: our partial plotly.js bundle, long-cached, and none of Dash's unused scripts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Response, request

# Built by plotly-bundle/ (npm ci && npm run build): plotly.js with the candlestick, scatter,
# bar and treemap traces only, a quarter of the full bundle that dcc.Graph would fetch.
PLOTLY_BUNDLE = Path(__file__).resolve().parent / "vendor" / "plotly-stockdash.min.js"

# A year, and `immutable` so a reload does not revalidate: the URL changes with the content.
LONG_CACHE = "public, max-age=31536000, immutable"

# Dash always lists dash_table's bundle; the page has no DataTable.
UNUSED_SCRIPTS = re.compile(r"<script[^>]*/_dash-component-suites/dash/dash_table/[^>]*></script>\n?")


@cache
def plotly_bundle() -> tuple[str, bytes]:
    """Read the bundle once; its fingerprint is a hash of its bytes."""
    data = PLOTLY_BUNDLE.read_bytes()
    return hashlib.sha256(data).hexdigest()[:16], data


def plotly_bundle_path() -> str:
    """The bundle's URL path, which changes whenever its content does."""
    fingerprint, _ = plotly_bundle()
    return f"_stockdash/plotly-stockdash.{fingerprint}.min.js"


def install(app: Dash) -> None:
    """Load our plotly.js bundle before Dash's scripts and drop the scripts the page never uses.

    dcc.Graph takes `window.Plotly` when it is already there and only otherwise fetches the
    full plotly.min.js, so a plain script tag ahead of Dash's renderer replaces it.
    """
    path = plotly_bundle_path()
    app.config.external_scripts.append(app.config.requests_pathname_prefix + path)
    app.server.add_url_rule(
        app.config.routes_pathname_prefix + path, endpoint="plotly_bundle", view_func=_serve_plotly_bundle
    )
    app.interpolate_index = _without_unused_scripts(app.interpolate_index)
    app.server.after_request(_long_cache_fingerprinted)


def _serve_plotly_bundle() -> Response:
    _, data = plotly_bundle()
    return Response(data, mimetype="text/javascript", headers={"Cache-Control": LONG_CACHE})


def _without_unused_scripts(interpolate: Callable[..., str]) -> Callable[..., str]:
    def interpolate_index(**parts: str) -> str:
        parts["scripts"] = UNUSED_SCRIPTS.sub("", parts.get("scripts", ""))
        return interpolate(**parts)

    return interpolate_index


def _long_cache_fingerprinted(response: Response) -> Response:
    """Mark Dash's fingerprinted bundles immutable (Dash gives them max-age alone)."""
    if response.status_code == 200 and "/_dash-component-suites/" in request.path:
        if check_fingerprint(request.path)[1]:
            response.headers["Cache-Control"] = LONG_CACHE
    return response
