"""Unknown paths are 404s and every response carries the security headers (real gunicorn)."""

from __future__ import annotations

import pytest
import requests

UNKNOWN_JSON = ["/api", "/api/", "/api//movers", "/api//history/AAPL", "/api/nope", "/healthz/", "/healthz/x"]
UNKNOWN_PAGES = ["/nope", "/foo/bar", "/index.html", "/?/../etc"]
EVERY_KIND = [
    "/",
    "/?symbol=AAPL",
    "/_dash-layout",
    "/_dash-dependencies",
    "/assets/style.css",
    "/healthz",
    "/api/movers",
    "/api/history/MSFT?format=csv",
    "/api/history/MSFT?start=bad",
    "/api//movers",
    "/nope",
]


def get(server, path: str) -> requests.Response:
    return requests.get(server.url + path, timeout=10, allow_redirects=False)


@pytest.mark.parametrize("path", UNKNOWN_JSON)
def test_unknown_api_and_health_paths_are_404_json(server, path):
    resp = get(server, path)
    assert resp.status_code == 404, resp.text[:200]
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["status"] == 404 and "no such endpoint" in resp.json()["error"]


@pytest.mark.parametrize("path", UNKNOWN_PAGES)
def test_unknown_page_is_a_404_page(server, path):
    resp = get(server, path)
    expected = 200 if path.startswith("/?") else 404  # a query on / is the dashboard
    assert resp.status_code == expected
    assert resp.headers["Content-Type"].startswith("text/html")
    if expected == 404:
        assert "Page not found" in resp.text and 'href="/"' in resp.text and "_dash-config" not in resp.text


def test_dash_routes_still_work(server):
    assert "_dash-config" in get(server, "/").text
    assert get(server, "/_dash-layout").json()["type"] == "Div"
    assert isinstance(get(server, "/_dash-dependencies").json(), list)
    assert get(server, "/assets/style.css").status_code == 200


@pytest.mark.parametrize("path", EVERY_KIND)
def test_security_headers_on_every_response(server, path):
    resp = get(server, path)
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = dict(part.strip().split(" ", 1) for part in resp.headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert resp.headers.get("Server", "") in ("", "gunicorn")  # no version


def test_security_headers_on_a_dash_callback_error(server):
    resp = requests.post(server.url + "/_dash-update-component", data="not json", timeout=10)
    assert resp.status_code < 500
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_inline_scripts_of_the_page_are_allowed_by_hash(server):
    """Every inline script Dash renders is in script-src, so the page runs under the policy."""
    import base64
    import hashlib
    import re

    resp = get(server, "/")
    html = re.sub(r"<!--.*?-->", "", resp.text, flags=re.S)  # Dash's IE-only alert is a comment
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, flags=re.S)
    executable = [body for attrs, body in inline if "application/json" not in attrs]
    assert executable  # at least the renderer's start-up line (clientside callbacks live in assets/)
    for body in executable:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in resp.headers["Content-Security-Policy"]
