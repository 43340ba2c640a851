"""Small pieces of page the features share: button rows, tables, notices, callback wiring, error texts."""

from __future__ import annotations

from collections.abc import Sequence

import dash_ag_grid as dag
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html

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


def _button_row(kind, id_: str, options: list, value, *, name: str, part: str):
    """Options side by side, drawn by style.css: `name` styles the row, `part` its inputs and labels."""
    return kind(
        id=id_,
        options=options,
        value=value,
        inline=True,
        className=name,
        inputClassName=f"{part}-input",
        labelClassName=f"{part}-label",
    )


def segmented(id_: str, options: list, value) -> dcc.RadioItems:
    """A row of buttons of which one is on (periods, chart type, horizon, group)."""
    return _button_row(dcc.RadioItems, id_, options, value, name="segmented", part="seg")


def chips(id_: str, options: list, value: list) -> dcc.Checklist:
    """A row of toggles, any number of them on (the chart's overlays)."""
    return _button_row(dcc.Checklist, id_, options, value, name="chips", part="chip")


NUM = {"type": "rightAligned", "cellClass": ["num"]}  # a number column's look
SIGN = {"pos": {"function": "params.value > 0"}, "neg": {"function": "params.value < 0"}}  # gains, losses


def grid(
    id_: str,
    *,
    rows: list[dict],
    columns: list[dict],
    empty: str,
    row_height: int,
    class_name: str,
    **options,
) -> dag.AgGrid:
    """A table with a row per symbol (updates keep rows by symbol), as tall as its rows; `options`
    are more AG Grid options."""
    return dag.AgGrid(
        id=id_,
        rowData=rows,
        columnDefs=columns,
        defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True},
        getRowId="params.data.symbol",
        dashGridOptions={
            "domLayout": "autoHeight",
            "rowHeight": row_height,
            "headerHeight": 36,
            "suppressCellFocus": True,
            "localeText": {"noRowsToShow": empty},
            "tooltipShowDelay": 400,
            **options,
        },
        className=f"ag-theme-quartz {class_name}",
        style={"width": "100%"},
    )


def card(*children) -> html.Section:
    """One feature's white panel on the page."""
    return html.Section(list(children), className="card")


Pairs = Sequence[tuple[str, str]]  # (component id, property)


def _wiring(outputs: Pairs, inputs: Pairs, states: Pairs, allow_duplicate: bool) -> tuple:
    """Outputs, Inputs and States from pairs; one output stays a single Output (the function
    returns its value), as the browser asks for it."""
    outs = [Output(id_, prop, allow_duplicate=allow_duplicate) for id_, prop in outputs]
    return (
        outs[0] if len(outs) == 1 else outs,
        [Input(id_, prop) for id_, prop in inputs],
        [State(id_, prop) for id_, prop in states],
    )


def callback(
    app: Dash,
    outputs: Pairs,
    inputs: Pairs,
    *,
    states: Pairs = (),
    allow_duplicate: bool = False,
    **options,
):
    """`app.callback` from (component id, property) pairs: a callback's wiring reads as lists."""
    return app.callback(*_wiring(outputs, inputs, states, allow_duplicate), **options)


def clientside(
    app: Dash,
    function: str,
    outputs: Pairs,
    inputs: Pairs,
    *,
    states: Pairs = (),
    allow_duplicate: bool = False,
    **options,
) -> None:
    """`app.clientside_callback` of a function in assets/ named `namespace.name`, wired as `callback` is."""
    namespace, name = function.split(".")
    app.clientside_callback(
        ClientsideFunction(namespace, name), *_wiring(outputs, inputs, states, allow_duplicate), **options
    )


def notice(*lines: str | None) -> list:
    return [html.Div(line) for line in lines if line]
