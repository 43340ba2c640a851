"""Small pieces of page the features share: segmented buttons, notices, plain error texts."""

from __future__ import annotations

from dash import dcc, html

DB_DOWN = "The database is not answering right now; prices cannot be shown. Try again in a minute."
OOPS = "Something went wrong while drawing this; the error has been logged."


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


def notice(*lines: str | None) -> list:
    return [html.Div(line) for line in lines if line]
