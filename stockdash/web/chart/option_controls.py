"""The chart's option controls kept in step with the URL: a link or the back button sets them, and a
changed control changes the view and the URL (apart from options.py, which the view reads)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from stockdash.intervals import INTERVALS
from stockdash.web import ids
from stockdash.web.chart import options
from stockdash.web.view import View

# Each option control's value, by the name `_options` and OptionValues give it.
CONTROLS = {
    "overlays": ids.OVERLAYS,
    "indicators": ids.INDICATORS,
    "interval": ids.INTERVAL,
    "basis": ids.BASIS,
    "chart_type": ids.CHART_TYPE,
}


class OptionValues(NamedTuple):
    """The option controls' values, in CONTROLS' order."""

    overlays: Any
    indicators: Any
    interval: Any
    basis: Any
    chart_type: Any


class OptionsSynced(NamedTuple):
    """`sync_options`' answer: the URL, the view, then each control (`no_update` where unchanged)."""

    url: Any
    view: Any
    overlays: Any = no_update
    indicators: Any = no_update
    interval: Any = no_update
    basis: Any = no_update
    chart_type: Any = no_update


def of_view(view: View) -> OptionValues:
    return OptionValues(
        list(view.overlays), list(view.indicators), view.interval, view.basis, view.chart_type
    )


def from_controls(view: View, controls: OptionValues) -> View:
    """The view with the option controls' values (malformed values fall back to the defaults)."""
    return replace(
        view,
        overlays=options.picked(controls.overlays, options.OVERLAY_OPTIONS),
        indicators=options.picked(controls.indicators, options.INDICATOR_OPTIONS),
        interval=controls.interval if controls.interval in INTERVALS else None,
        basis="tr" if controls.basis == "tr" else options.PRICE,
        chart_type=controls.chart_type if controls.chart_type in options.CHART_TYPES else "candles",
    )


def sync_options(trigger: str | None, query: object, controls: OptionValues, view: object) -> OptionsSynced:
    """URL -> option controls (a link, the back button); option control -> view and URL."""
    if not isinstance(query, str):
        raise PreventUpdate
    linked = View.from_query(query)
    if trigger == ids.URL:
        wanted = of_view(linked)
        if wanted == controls:
            raise PreventUpdate
        changed = [w if w != c else no_update for w, c in zip(wanted, controls, strict=True)]
        return OptionsSynced(no_update, no_update, *changed)
    new = from_controls(linked, controls)
    if of_view(new) == of_view(linked):
        raise PreventUpdate
    shown = View.from_store(view) if isinstance(view, dict) else linked
    return OptionsSynced(new.query(), new.with_notes(*shown.notes).store())


def register(app: Dash) -> None:
    @app.callback(
        output=[
            Output(ids.URL, "search", allow_duplicate=True),
            Output(ids.VIEW, "data", allow_duplicate=True),
            *(Output(id_, "value", allow_duplicate=True) for id_ in CONTROLS.values()),
        ],
        inputs={
            "query": Input(ids.URL, "search"),
            **{name: Input(id_, "value") for name, id_ in CONTROLS.items()},
        },
        state={"view": State(ids.VIEW, "data")},
        prevent_initial_call=True,
    )
    def _options(
        query: object,
        overlays: object,
        indicators: object,
        interval: object,
        basis: object,
        chart_type: object,
        view: object,
    ) -> OptionsSynced:
        controls = OptionValues(overlays, indicators, interval, basis, chart_type)
        return sync_options(ctx.triggered_id, query, controls, view)
