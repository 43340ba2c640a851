"""Small pieces of page the features share: segmented buttons, notices, plain error texts."""

from __future__ import annotations

from collections.abc import Sequence

from dash import Dash, Input, Output, State, dcc, html

DB_DOWN = "The database is not answering right now; prices cannot be shown. Try again in a minute."
OOPS = "Something went wrong while drawing this; the error has been logged."


def loading(child) -> dcc.Loading:
    """After 300 ms without an answer, a spinner over the previous chart or table: dimmed, never blanked."""
    return dcc.Loading(
        child,
        type="dot",
        color="#4f46e5",
        delay_show=300,
        overlay_style={"visibility": "visible", "opacity": 0.45, "transition": "opacity 0.2s"},
    )


def segmented(id_: str, options: list, value) -> dcc.RadioItems:
    """A row of buttons of which one is on (periods, chart type, horizon, group)."""
    return dcc.RadioItems(
        id=id_,
        options=options,
        value=value,
        inline=True,
        className="segmented",
        inputClassName="seg-input",
        labelClassName="seg-label",
    )


def card(*children) -> html.Section:
    """One feature's white panel on the page."""
    return html.Section(list(children), className="card")


def callback(
    app: Dash,
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str]],
    *,
    states: Sequence[tuple[str, str]] = (),
    allow_duplicate: bool = False,
    **options,
):
    """`app.callback` from (component id, property) pairs: a callback's wiring reads as lists.

    One output stays a single Output (the function returns its value), as the browser asks for it.
    """
    outs = [Output(id_, prop, allow_duplicate=allow_duplicate) for id_, prop in outputs]
    return app.callback(
        outs[0] if len(outs) == 1 else outs,
        [Input(id_, prop) for id_, prop in inputs],
        [State(id_, prop) for id_, prop in states],
        **options,
    )


def notice(*lines: str | None) -> list:
    return [html.Div(line) for line in lines if line]
