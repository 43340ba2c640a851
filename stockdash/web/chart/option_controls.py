"""The chart's option controls kept in step with the URL: a link or the back button sets them, and a
changed control changes the view and the URL (apart from options.py, which urlstate reads)."""

from __future__ import annotations

from dash import Dash, ctx, no_update
from dash.exceptions import PreventUpdate

from stockdash.web import ids
from stockdash.web.chart import options
from stockdash.web.components import callback
from stockdash.web.urlstate import format_query, parse_query

CONTROLS = [(ids.OVERLAYS, "value"), (ids.INDICATORS, "value"), (ids.INTERVAL, "value"), (ids.BASIS, "value")]


def sync_options(trigger: str | None, query: str | None, controls: list, view: dict | None) -> tuple:
    """URL -> option controls (a link, the back button); option control -> view and URL.
    Returns (url search, view, overlays, indicators, interval, basis)."""
    if not isinstance(query, str):
        raise PreventUpdate
    linked = parse_query(query)
    if trigger == ids.URL:
        wanted = [linked["overlays"], linked["indicators"], linked["interval"], linked["basis"]]
        if wanted == controls:
            raise PreventUpdate
        return (
            no_update,
            no_update,
            *(w if w != c else no_update for w, c in zip(wanted, controls, strict=True)),
        )
    shown = view if isinstance(view, dict) else linked
    new = options.from_controls(linked, *controls)
    if all(new[k] == linked[k] for k in options.KEYS):
        raise PreventUpdate
    new["notes"] = shown.get("notes", []) if isinstance(shown.get("notes"), list) else []
    return format_query(new), new, no_update, no_update, no_update, no_update


def register(app: Dash) -> None:
    @callback(
        app,
        [(ids.URL, "search"), (ids.VIEW, "data"), *CONTROLS],
        [(ids.URL, "search"), *CONTROLS],
        states=[(ids.VIEW, "data")],
        allow_duplicate=True,
        prevent_initial_call=True,
    )
    def _options(query, overlays, indicators, interval, basis, view):
        return sync_options(ctx.triggered_id, query, [overlays, indicators, interval, basis], view)
