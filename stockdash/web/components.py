"""Small pieces of page the features share: button rows, tables, notices, error texts."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import ALL, ClientsideFunction, Dash, Input, Output, dcc, html

from stockdash.web import ids

DB_DOWN = "The database is not answering right now; prices cannot be shown. Try again in a minute."
OOPS = "Something went wrong while drawing this; the error has been logged."


def loading(child: Any) -> dcc.Loading:
    """After 300 ms without an answer, a spinner over the previous chart or table: dimmed, never blanked."""
    return dcc.Loading(
        child,
        type="dot",
        color="#4f46e5",
        delay_show=300,
        overlay_style={"visibility": "visible", "opacity": 0.45, "transition": "opacity 0.2s"},
    )


def _button_row(
    kind: type[dcc.RadioItems] | type[dcc.Checklist],
    id_: str,
    options: list[Any],
    value: Any,
    *,
    name: str,
    part: str,
) -> Any:
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


def segmented(id_: str, options: list[Any], value: Any) -> dcc.RadioItems:
    """A row of buttons of which one is on (periods, chart type, horizon, group)."""
    return _button_row(dcc.RadioItems, id_, options, value, name="segmented", part="seg")


def chips(id_: str, options: list[Any], value: list[Any]) -> dcc.Checklist:
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
    **options: Any,
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


def drawn_after_chart(name: str, child: Any) -> dcc.Tabs:
    """`child` held by Dash from the start (its callbacks read and set its props as usual) but built
    in the browser only once the first chart is drawn: a grid built with the chart delays the
    chart (docs/performance.md). A dcc.Tabs draws only its selected tab: its one tab (strip
    hidden) is selected when the page reports its viewport (register_after_chart)."""
    return dcc.Tabs(
        id={"type": ids.AFTER_CHART, "index": name},
        value="waiting",
        children=[dcc.Tab(child, value="drawn")],
        style={"display": "none"},
    )


def register_after_chart(app: Dash) -> None:
    """One browser-side callback selects every drawn_after_chart tab when the viewport is reported."""
    app.clientside_callback(
        ClientsideFunction("stockdash", "after_chart"),
        output=Output({"type": ids.AFTER_CHART, "index": ALL}, "value"),
        inputs=[Input(ids.VIEWPORT, "data")],
        prevent_initial_call=True,
    )


def card(*children: Any) -> html.Section:
    """One feature's white panel on the page."""
    return html.Section(list(children), className="card")


def notice(*lines: str | None) -> list[html.Div]:
    return [html.Div(line) for line in lines if line]
