"""The HTTP API on the Dash app's Flask server: one module per resource, their parameters and errors.

Input is validated before any I/O: a bad parameter is a 400 with a JSON body naming it, an
unknown symbol a 404, a database outage a 503; never a 500 page for something a user typed.
The API reads what is stored; it never calls the price provider. (/api/screener is registered
by the screener feature, web/screener/api.py, with the same parameters and errors.)
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from stockdash.web import health
from stockdash.web.api import actions, history, live, movers
from stockdash.web.api.params import answer_errors, error
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

# The longest URL (path and query) the app takes; longer ones get a JSON 414. gunicorn.conf.py lets
# request lines up to 8190 bytes through to the app, so only longer ones meet gunicorn's own page.
MAX_URL_BYTES = 4096


def _service_blueprint(services: Services) -> Blueprint:
    """/healthz, and a JSON 404 for any other /api/ path."""
    bp = Blueprint("api", __name__)
    answer_errors(bp, log=log, label="web api")

    @bp.get("/healthz")
    def healthz() -> Response | tuple[Response, int]:
        ok, why = health.database_ok(services.database_url)
        if not ok:
            log.warning("healthz database down: %s", why)
            return jsonify({"status": "error", "database": "down", "error": "database unavailable"}), 503
        return jsonify({"status": "ok", "database": "ok"})

    @bp.get("/api/<path:_rest>")
    def unknown(_rest: str) -> tuple[Response, int]:
        # Without this, Dash's catch-all page route would answer unknown API paths with HTML.
        return error(404, f"no such endpoint: {request.path}")

    return bp


def register(server: Flask, services: Services) -> None:
    """Every API blueprint, and JSON answers for what no route handles (too long, wrong method, a bug)."""
    server.register_blueprint(_service_blueprint(services))
    server.register_blueprint(history.blueprint(services))
    server.register_blueprint(movers.blueprint(services))
    server.register_blueprint(actions.blueprint(services))
    server.register_blueprint(live.blueprint(services.live))

    @server.before_request
    def _url_length() -> None:
        if len(request.environ.get("RAW_URI") or request.full_path) > MAX_URL_BYTES:
            abort(414, f"the URL is longer than {MAX_URL_BYTES} bytes")

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> HTTPException | tuple[Response, int]:
        # JSON for API paths (unknown route, wrong method); Dash's own pages keep Flask's answer.
        if request.path.startswith("/api/") or request.path == "/healthz":
            return error(exc.code or 500, exc.description or exc.name)
        return exc

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception) -> HTTPException | tuple[Response, int]:
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("web unhandled error path=%s", request.path)
        return error(500, "internal error; it has been logged")
