"""What the page loads: our own small bundles, long-cached, instead of Dash's big unused ones."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Response, request

from stockdash import compat

# Built by frontend/ (npm ci && npm run build), in the order the page loads them:
#  * regenerator-runtime: all that Dash's scripts still use of @babel/polyfill, whose ES2015
#    shims cost a cold page a few hundred milliseconds in every browser React 18 runs in;
#  * plotly.js with the candlestick, scatter, bar and treemap traces only: a quarter of the
#    full bundle dcc.Graph would fetch. dcc.Graph takes `window.Plotly` when it is already there.
VENDOR = Path(__file__).resolve().parent / "vendor"
BUNDLES = ("regenerator-runtime.min.js", "plotly-stockdash.min.js")
STATIC = "_stockdash"

# A year, and `immutable` so a reload does not revalidate: the URL changes with the content.
LONG_CACHE = "public, max-age=31536000, immutable"

# Scripts Dash always lists that the page does without: dash_table (no DataTable here) and
# the polyfill our regenerator-runtime replaces.
UNUSED_SCRIPTS = re.compile(
    r'<script src="[^"]*/_dash-component-suites/dash/(?:dash_table/|deps/polyfill@)[^"]*"></script>\n?'
)


@cache
def fingerprinted() -> dict[str, bytes]:
    """Each bundle under a name holding a hash of its bytes, read once."""
    named = {}
    for filename in BUNDLES:
        data = (VENDOR / filename).read_bytes()
        stem, ext = filename.split(".", 1)
        named[f"{stem}.{hashlib.sha256(data).hexdigest()[:16]}.{ext}"] = data
    return named


def install(app: Dash) -> None:
    """Load our bundles ahead of Dash's component scripts and drop the scripts they replace."""
    prefix = app.config.requests_pathname_prefix
    app.config.external_scripts.extend(f"{prefix}{STATIC}/{name}" for name in fingerprinted())
    app.server.add_url_rule(
        f"{app.config.routes_pathname_prefix}{STATIC}/<path:name>", endpoint="page_assets", view_func=_serve
    )
    compat.drop_scripts(app, UNUSED_SCRIPTS)
    app.server.after_request(_long_cache_fingerprinted)


def _serve(name: str) -> Response:
    # Unknown (e.g. a page from before a deploy): 404, not HTML from Dash's catch-all route.
    data = fingerprinted().get(name)
    if data is None:
        return Response("Not found\n", status=404, mimetype="text/plain")
    return Response(data, mimetype="text/javascript", headers={"Cache-Control": LONG_CACHE})


def _long_cache_fingerprinted(response: Response) -> Response:
    """Mark Dash's fingerprinted bundles immutable too (Dash gives them max-age alone)."""
    path = request.path
    if response.status_code == 200 and "/_dash-component-suites/" in path and check_fingerprint(path)[1]:
        response.headers["Cache-Control"] = LONG_CACHE
    return response
