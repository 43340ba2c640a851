"""The movers' callbacks: a plain function (tested without a browser) and its wiring."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from cachetools import TTLCache, cached
from dash import ClientsideFunction, Dash, Input, Output, ctx, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import SQLAlchemyError

from stockdash import reads
from stockdash.errors import error_text
from stockdash.movers import GROUPS, HORIZON_LABELS, HORIZONS, NoData
from stockdash.universe import GROUP_LABELS
from stockdash.web import ids
from stockdash.web.components import DB_DOWN, OOPS, notice
from stockdash.web.movers.figures import treemap_figure
from stockdash.web.movers.layout import movers_body
from stockdash.web.plotting import message_figure
from stockdash.web.services import Services
from stockdash.web.view import View

log = logging.getLogger("stockdash.web")

NO_MOVERS = "No movers yet: they appear after the first daily pull (python worker.py pull, then movers)."
GRID_FIELDS = ("symbol", "name", "close", "change", "pct_change", "volume")


# A snapshot changes only when movers are recomputed for its day (the sector rows under it are
# cached as long, reads.py), and its sector map is most of the card's cost to draw.
_sector_maps: TTLCache = TTLCache(maxsize=64, ttl=300)


@cached(
    _sector_maps,
    key=lambda services, snap, horizon, group: (services.database_url, snap["as_of"], horizon, group),
    lock=threading.Lock(),
)
def _sector_map(services: Services, snap: dict, horizon: str, group: str) -> dict:
    by = "category" if group == "etfs" else "sector"  # ETFs are grouped by their category
    title = f"{GROUP_LABELS[group]} by {by} · {HORIZON_LABELS[horizon]} % change · tile size = dollar volume"
    return treemap_figure(snap["sectors"], horizon=horizon, title=title, root=GROUP_LABELS[group])


Rows = list[dict[str, Any]]


def _rows(rows: list[dict[str, Any]]) -> Rows:
    return [{k: r.get(k) for k in GRID_FIELDS} for r in rows]


class Panel(NamedTuple):
    """The movers of one horizon and group: both tables, the as-of line, a notice, the sector map."""

    gainers: Rows
    losers: Rows
    as_of: str
    notice: list[Any]
    treemap: dict[str, Any]


class CardParts(NamedTuple):
    """The movers callback's outputs."""

    as_of: str
    notice: list[Any]
    body: list[Any]


def _message_outputs(message: str) -> Panel:
    return Panel([], [], "", notice(message), message_figure(message, height=300))


def movers_panel(services: Services, horizon: str | None, group: str | None) -> Panel:
    """(gainer rows, loser rows, as-of text, notice, sector map figure)."""
    horizon = horizon if horizon in HORIZONS else "1d"
    group = group if group in GROUPS else "sp500"
    try:
        snap = reads.movers_view(services.engine_if_up(), horizon=horizon, group=group)
    except NoData:
        return _message_outputs(NO_MOVERS)
    except SQLAlchemyError as exc:
        log.error("web movers database error: %s", error_text(exc))
        return _message_outputs(DB_DOWN)
    except Exception:
        log.exception("web movers failed")
        return _message_outputs(OOPS)
    as_of = date.fromisoformat(snap["as_of"])
    basis = "vs previous close" if horizon == "1d" else f"over {HORIZON_LABELS[horizon]}"
    text = f"As of close {as_of:%a %d %b %Y} · % change {basis} · {GROUP_LABELS[group]}"
    treemap = _sector_map(services, snap, horizon, group)
    return Panel(_rows(snap["gainers"]), _rows(snap["losers"]), text, [], treemap)


def movers_card_parts(services: Services, horizon: object, group: object, viewport: object) -> CardParts:
    """(as-of text, notice, tables and map): the card's parts, all from one snapshot."""
    panel = movers_panel(
        services, horizon if isinstance(horizon, str) else None, group if isinstance(group, str) else None
    )
    narrow = isinstance(viewport, dict) and viewport.get("narrow") is True
    return CardParts(
        panel.as_of, panel.notice, movers_body(panel.gainers, panel.losers, panel.treemap, narrow=narrow)
    )


class Selection(NamedTuple):
    """`sync_selection`'s answer: the URL, the horizon and group buttons (`no_update` where unchanged)."""

    url: Any = no_update
    horizon: Any = no_update
    group: Any = no_update


def sync_selection(trigger: str | None, query: object, horizon: object, group: object) -> Selection:
    """URL -> horizon and group buttons (a link, the back button); a button -> the URL, so a link
    reopens the movers a visitor was looking at. The chart's view is left alone (no redraw)."""
    if not isinstance(query, str):
        raise PreventUpdate  # the location has not reported yet
    linked = View.from_query(query)
    if trigger in (None, ids.URL):
        if (linked.horizon, linked.group) == (horizon, group):
            raise PreventUpdate
        return Selection(
            horizon=linked.horizon if linked.horizon != horizon else no_update,
            group=linked.group if linked.group != group else no_update,
        )
    picked = replace(
        linked,
        horizon=horizon if isinstance(horizon, str) and horizon in HORIZONS else linked.horizon,
        group=group if isinstance(group, str) and group in GROUPS else linked.group,
    )
    if (picked.horizon, picked.group) == (linked.horizon, linked.group):
        raise PreventUpdate
    return Selection(url=picked.query())


def register(app: Dash, services: Services) -> None:
    @app.callback(
        output=[
            Output(ids.MOVERS_AS_OF, "children"),
            Output(ids.MOVERS_NOTICE, "children"),
            Output(ids.MOVERS_BODY, "children"),
        ],
        inputs={
            "horizon": Input(ids.HORIZON, "value"),
            "group": Input(ids.GROUP, "value"),
            "viewport": Input(ids.VIEWPORT, "data"),
        },
    )
    def _movers(horizon: object, group: object, viewport: object) -> CardParts:
        return movers_card_parts(services, horizon, group, viewport)

    @app.callback(
        output=[
            Output(ids.URL, "search", allow_duplicate=True),
            Output(ids.HORIZON, "value", allow_duplicate=True),
            Output(ids.GROUP, "value", allow_duplicate=True),
        ],
        inputs={
            "query": Input(ids.URL, "search"),
            "horizon": Input(ids.HORIZON, "value"),
            "group": Input(ids.GROUP, "value"),
        },
        prevent_initial_call=True,  # the location's first report triggers it
    )
    def _selection(query: object, horizon: object, group: object) -> Selection:
        return sync_selection(ctx.triggered_id, query, horizon, group)

    # The input (the store's id) never changes: runs once, at load.
    app.clientside_callback(
        ClientsideFunction("stockdash", "viewport"),
        output=Output(ids.VIEWPORT, "data"),
        inputs=[Input(ids.VIEWPORT, "id")],
    )
    # A clicked row or stock tile charts it (through the ticker box, so urlstate.sync takes it
    # from there) and brings the chart into view; in the browser, without a round trip.
    app.clientside_callback(
        ClientsideFunction("stockdash", "chart_clicked"),
        output=Output(ids.TICKER, "value", allow_duplicate=True),
        inputs=[
            Input(ids.GAINERS, "cellClicked"),
            Input(ids.LOSERS, "cellClicked"),
            Input(ids.TREEMAP, "clickData"),
        ],
        prevent_initial_call=True,
    )
