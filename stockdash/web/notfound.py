"""Unknown paths are 404s: JSON under /api/ and /healthz/, a small page elsewhere.

Dash serves its page for every path (`/<path:path>`, for multi-page apps); this app has one page,
at `/` (its state lives in the query string), so anything else that reaches that catch-all is a
mistake and says so instead of answering 200.
"""

from __future__ import annotations

from dash import Dash
from flask import Response, jsonify, request

JSON_PREFIXES = ("/api", "/healthz")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found · stockdash</title>
<link rel="stylesheet" href="{css}">
</head>
<body>
<div class="page"><div class="content"><div class="card">
<h2>Page not found</h2>
<p>There is no page at this address. The dashboard is at <a href="/">the home page</a>;
a chart's link looks like <a href="/?symbol=AAPL&amp;period=6M">/?symbol=AAPL&amp;period=6M</a>.</p>
</div></div></div>
</body>
</html>
"""


def _is_json_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in JSON_PREFIXES)


def register(app: Dash) -> None:
    """Answer 404 for whatever only Dash's catch-all page route matched."""
    catch_all = app.config.routes_pathname_prefix + "<path:path>"
    page = PAGE.format(css=app.get_asset_url("style.css"))

    @app.server.before_request
    def _not_found() -> tuple[Response, int] | Response | None:
        rule = request.url_rule
        if rule is None or rule.rule != catch_all:
            return None
        if _is_json_path(request.path):
            body = jsonify({"error": f"no such endpoint: {request.path[:200]}", "status": 404})
            return body, 404
        return Response(page, status=404, mimetype="text/html")
