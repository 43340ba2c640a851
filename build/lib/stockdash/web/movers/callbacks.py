"""The movers' callbacks: a plain function (tested without a browser) and its wiring."""

from __future__ import annotations

import logging
from datetime import date

from dash import ClientsideFunction, Dash, Input, Output
from sqlalchemy.exc import SQLAlchemyError

from stockdash import reads
from stockdash.errors import error_text
from stockdash.movers import GROUPS, HORIZON_LABELS, HORIZONS, NoData
from stockdash.universe import GROUP_LABELS
from stockdash.web import ids, urlstate
from stockdash.web.components import DB_DOWN, OOPS, callback, notice
from stockdash.web.movers.figures import treemap_figure
from stockdash.web.plotting import message_figure
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

NO_MOVERS = "No movers yet: they appear after the first daily pull (python worker.py pull, then movers)."
GRID_FIELDS = ("symbol", "name", "close", "change", "pct_change", "volume")


def _rows(rows: list[dict]) -> list[dict]:
    return [{k: r.get(k) for k in GRID_FIELDS} for r in rows]


def _message_outputs(message: str) -> tuple:
    return [], [], "", notice(message), message_figure(message, height=300)


def movers_panel(services: Services, horizon: str | None, group: str | None) -> tuple:
    """(gainer rows, loser rows, as-of text, notice, sector map figure)."""
    horizon = horizon if horizon in HORIZONS else "1d"
    group = group if group in GROUPS else "sp500"
    label = HORIZON_LABELS[horizon]
    try:
        snap = reads.movers_view(services.engine, horizon=horizon, group=group)
    except NoData:
        return _message_outputs(NO_MOVERS)
    except SQLAlchemyError as exc:
        log.error("web movers database error: %s", error_text(exc))
        return _message_outputs(DB_DOWN)
    except Exception:
        log.exception("web movers failed")
        return _message_outputs(OOPS)
    as_of = date.fromisoformat(snap["as_of"])
    basis = "vs previous close" if horizon == "1d" else f"over {label}"
    text = f"As of close {as_of:%a %d %b %Y} · % change {basis} · {GROUP_LABELS[group]}"
    title = f"{GROUP_LABELS[group]} by sector · {label} % change · tile size = dollar volume"
    return (
        _rows(snap["gainers"]),
        _rows(snap["losers"]),
        text,
        [],
        treemap_figure(snap["sectors"], horizon=horizon, title=title, root=GROUP_LABELS[group]),
    )


OUTPUTS = [
    (ids.GAINERS, "rowData"),
    (ids.LOSERS, "rowData"),
    (ids.MOVERS_AS_OF, "children"),
    (ids.MOVERS_NOTICE, "children"),
    (ids.TREEMAP, "figure"),
]


def register(app: Dash, services: Services) -> None:
    @callback(app, OUTPUTS, [(ids.HORIZON, "value"), (ids.GROUP, "value")])
    def _movers(horizon, group):
        return movers_panel(services, horizon, group)

    app.clientside_callback(
        ClientsideFunction(namespace="stockdash", function_name="scroll_to_chart"),
        Output(ids.SCROLL_SINK, "data"),
        # A clicked row or stock tile charts it (urlstate.sync); this brings the chart into view.
        [Input(id_, prop) for id_, prop in urlstate.CLICKS],
        prevent_initial_call=True,
    )
