"""What the page loads: our own small bundles, long-cached, instead of Dash's big unused ones."""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from functools import cache
from pathlib import Path

from dash import Dash
from dash.fingerprint import build_fingerprint, check_fingerprint
from flask import Response, request
from werkzeug.security import safe_join

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


# The webpack chunks dcc.Graph, dcc.Dropdown and dcc.DatePickerRange fetch under fixed names once
# the layout has rendered: a round trip after the layout's (a revalidation on every later visit)
# before the chart can draw. Listed in the page under Dash's fingerprinted names, they load with
# the other scripts and stay cached; webpack finds them already there. AG Grid's chunk (870 kB,
# for the grids under the chart) stays lazy: parsed before the first render, it cost a cold visit
# more than its round trip (bench/browser.py, side by side).
EAGER_CHUNKS = (
    ("dash", "dash.dcc", "dcc/async-graph.js"),
    ("dash", "dash.dcc", "dcc/async-dropdown.js"),
    ("dash", "dash.dcc", "dcc/async-datepicker.js"),
)


def chunk_urls(prefix: str) -> list[str]:
    """EAGER_CHUNKS under the fingerprinted names Dash serves its bundles by (version, mtime)."""
    urls = []
    for namespace, module_name, rel_path in EAGER_CHUNKS:
        module = importlib.import_module(module_name)
        package_dir = Path(str(importlib.import_module(namespace).__file__)).parent
        modified = int(os.stat(package_dir / rel_path).st_mtime)
        fingerprint = build_fingerprint(rel_path, module.__version__, modified)
        urls.append(f"{prefix}_dash-component-suites/{namespace}/{fingerprint}")
    return urls


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
    app.config.external_scripts.extend(chunk_urls(prefix))
    app.server.add_url_rule(
        f"{app.config.routes_pathname_prefix}{STATIC}/<path:name>", endpoint="page_assets", view_func=_serve
    )
    compat.drop_scripts(app, UNUSED_SCRIPTS)
    app.server.after_request(_long_cache_fingerprinted)
    assets_path = f"{app.config.routes_pathname_prefix}{app.config.assets_url_path.strip('/')}/"
    assets_folder = app.config.assets_folder

    @app.server.after_request
    def _long_cache_stamped_assets(response: Response) -> Response:
        """Mark immutable an asset asked for under its file's current modification time: Dash
        links every asset as `?m=<mtime>`, so a changed file comes under a new URL."""
        path = request.path
        if response.status_code in (200, 304) and path.startswith(assets_path):
            file = safe_join(assets_folder, path[len(assets_path) :])
            stamp = request.args.get("m")
            if file and stamp and os.path.isfile(file) and stamp == str(os.stat(file).st_mtime):
                response.headers["Cache-Control"] = LONG_CACHE
        return response


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
