"""Callback requests checked before Dash dispatches them: a malformed one is a 400, never a 500.

Dash's dispatcher trusts the browser: an unknown output, a missing input or a value of another
type fails inside it or inside a callback. A public URL gets such requests, so each one is
checked against the callbacks the app registered, and each input value against the type its
component sends (`EXPECTED`). Hostile values of the right type go through: the callbacks turn
them into plain messages.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash
from flask import Response, jsonify, request

from stockdash.web import ids

log = logging.getLogger("stockdash.web")

# What each component property the callbacks listen to holds when a browser sends it (None too).
EXPECTED: dict[tuple[str, str], type | tuple[type, ...]] = {
    (ids.URL, "search"): str,
    (ids.TICKER, "value"): str,
    (ids.TICKER, "search_value"): str,
    (ids.COMPARE, "value"): list,
    (ids.COMPARE, "search_value"): str,
    (ids.PERIOD, "value"): str,
    (ids.DATES, "start_date"): str,
    (ids.DATES, "end_date"): str,
    (ids.VIEW, "data"): dict,
    (ids.CHART_TYPE, "value"): str,
    (ids.OVERLAYS, "value"): list,
    (ids.INDICATORS, "value"): list,
    (ids.INTERVAL, "value"): str,
    (ids.BASIS, "value"): str,
    (ids.VIEWPORT, "data"): dict,
    (ids.HORIZON, "value"): str,
    (ids.GROUP, "value"): str,
    (ids.GAINERS, "cellClicked"): dict,
    (ids.LOSERS, "cellClicked"): dict,
    (ids.TREEMAP, "clickData"): dict,
    (ids.FETCH_POLL, "n_intervals"): int,
    (ids.LIVE_TICK, "n_intervals"): int,
    (ids.WATCH_ADD, "value"): str,
    (ids.WATCH_ADD, "search_value"): str,
    (ids.WATCH_GRID, "cellClicked"): dict,
    (ids.WATCH_SAVED, "modified_timestamp"): int,
    (ids.LIVE_VIEW, "value"): str,
    (ids.LIVE_TYPE, "value"): str,
    (ids.RULE_SYMBOL, "value"): str,
    (ids.RULE_KIND, "value"): str,
    (ids.RULE_VALUE, "value"): str,
    (ids.RULE_MINUTES, "value"): str,
    (ids.RULE_ADD, "n_clicks"): int,
    # the owner's delivered alerts
    (ids.OWNER_SIGN_IN, "n_clicks"): int,
    (ids.OWNER_SIGN_OUT, "n_clicks"): int,
    (ids.OWNER_TOKEN, "value"): str,
    (ids.OWNER_ADD, "n_clicks"): int,
    (ids.OWNER_SYMBOL, "value"): str,
    (ids.OWNER_KIND, "value"): str,
    (ids.OWNER_VALUE, "value"): str,
    (ids.OWNER_MINUTES, "value"): str,
    (ids.OWNER_SELECT, "value"): str,
    (ids.OWNER_NOTE, "value"): str,
}
MAX_MATCHES = 100  # components one wildcard input may match (alert rules: far fewer)
MAX_BODY_BYTES = 64 * 1024  # the largest real request (a view and a few lists) is a few hundred bytes


class Malformed(ValueError):
    """A callback request no browser running this app sends."""


def check(body: Any, callback_map: dict) -> None:
    """Raise Malformed unless `body` asks for a registered callback with its inputs, typed as sent."""
    if not isinstance(body, dict):
        raise Malformed("the body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or "callback" not in callback_map.get(output, {}):
        raise Malformed("unknown callback output")  # clientside callbacks run in the browser only
    spec = callback_map[output]
    if not spec.get("no_output") and body.get("outputs") != _outputs_of(output):
        raise Malformed("'outputs' must be the callback's own")
    for key in ("inputs", "state"):
        _check_values(body.get(key, []), spec.get(key, []), key)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise Malformed("'changedPropIds' must be a list of strings")


def _outputs_of(output: str) -> Any:
    """The `outputs` the renderer sends with `output`: `..a.x...b.y..` for several, `a.x` for one."""
    if output.startswith(".."):
        return [_outputs_of(part) for part in output[2:-2].split("...")]
    id_, prop = output.rsplit(".", 1)
    return {"id": id_, "property": prop}


def _check_values(given: Any, wanted: list[dict], key: str) -> None:
    if not isinstance(given, list) or len(given) != len(wanted):
        raise Malformed(f"'{key}' must list {len(wanted)} values")
    for item, spec in zip(given, wanted, strict=True):
        if spec["id"].startswith("{"):  # a pattern-matching id: the matching components, each alike
            _check_matches(item, spec, key)
            continue
        if (
            not isinstance(item, dict)
            or item.get("id") != spec["id"]
            or item.get("property") != spec["property"]
        ):
            raise Malformed(f"'{key}' must be the callback's own, in order")
        expected = EXPECTED.get((spec["id"], spec["property"]))
        value = item.get("value")
        if expected is not None and value is not None and not isinstance(value, expected):
            raise Malformed(f"{spec['id']}.{spec['property']} has a value of the wrong type")


def _check_matches(items: Any, spec: dict, key: str) -> None:
    """A wildcard input: a list of {id: dict, property, value} for the components it matches."""
    if not isinstance(items, list) or len(items) > MAX_MATCHES:
        raise Malformed(f"'{key}' must list the matching components")
    for item in items:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("id"), dict)
            or item.get("property") != spec["property"]
        ):
            raise Malformed(f"'{key}' must list the matching components")


def register(app: Dash) -> None:
    dispatch_path = f"{app.config.routes_pathname_prefix}_dash-update-component"

    @app.server.before_request
    def _guard() -> tuple[Response, int] | None:
        if request.path != dispatch_path or request.method != "POST":
            return None
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return jsonify({"error": "request too large", "status": 413}), 413
        try:
            check(request.get_json(silent=True), app.callback_map)
        except Malformed as exc:
            log.info("web callback request refused: %s", exc)
            return jsonify({"error": str(exc), "status": 400}), 400
        return None
