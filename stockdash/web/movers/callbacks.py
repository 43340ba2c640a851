"""The movers' callbacks: a plain function (tested without a browser) and its wiring."""

from __future__ import annotations

import logging
import threading
from datetime import date

from cachetools import TTLCache, cached
from dash import Dash
from sqlalchemy.exc import SQLAlchemyError

from stockdash import reads
from stockdash.errors import error_text
from stockdash.movers import GROUPS, HORIZON_LABELS, HORIZONS, NoData
from stockdash.universe import GROUP_LABELS
from stockdash.web import ids
from stockdash.web.components import DB_DOWN, OOPS, callback, clientside, notice
from stockdash.web.movers.figures import treemap_figure
from stockdash.web.movers.layout import movers_body
from stockdash.web.plotting import message_figure
from stockdash.web.services import Services

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


def _rows(rows: list[dict]) -> list[dict]:
    return [{k: r.get(k) for k in GRID_FIELDS} for r in rows]


def _message_outputs(message: str) -> tuple:
    return [], [], "", notice(message), message_figure(message, height=300)


def movers_panel(services: Services, horizon: str | None, group: str | None) -> tuple:
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
    return _rows(snap["gainers"]), _rows(snap["losers"]), text, [], treemap


OUTPUTS = [(ids.MOVERS_AS_OF, "children"), (ids.MOVERS_NOTICE, "children"), (ids.MOVERS_BODY, "children")]
CLICKS = [(ids.GAINERS, "cellClicked"), (ids.LOSERS, "cellClicked"), (ids.TREEMAP, "clickData")]


def movers_card_parts(
    services: Services, horizon: str | None, group: str | None, viewport: dict | None
) -> tuple:
    """(as-of text, notice, tables and map): the card's parts, all from one snapshot."""
    gainers, losers, as_of, message, treemap = movers_panel(services, horizon, group)
    narrow = isinstance(viewport, dict) and viewport.get("narrow") is True
    return as_of, message, movers_body(gainers, losers, treemap, narrow=narrow)


def register(app: Dash, services: Services) -> None:
    @callback(app, OUTPUTS, [(ids.HORIZON, "value"), (ids.GROUP, "value"), (ids.VIEWPORT, "data")])
    def _movers(horizon, group, viewport):
        return movers_card_parts(services, horizon, group, viewport)

    # The input (the store's id) never changes: runs once, at load.
    clientside(app, "stockdash.viewport", [(ids.VIEWPORT, "data")], [(ids.VIEWPORT, "id")])
    # A clicked row or stock tile charts it (through the ticker box, so urlstate.sync takes it
    # from there) and brings the chart into view; in the browser, without a round trip.
    clientside(
        app,
        "stockdash.chart_clicked",
        [(ids.TICKER, "value")],
        CLICKS,
        allow_duplicate=True,
        prevent_initial_call=True,
    )
