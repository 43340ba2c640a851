"""`GET /api/movers`: a day's stored top gainers and losers for a horizon and a group, as JSON."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, jsonify

from stockdash import movers
from stockdash.web.api.history import PRICE_DIGITS
from stockdash.web.api.params import answer_errors, choice, date_param, error, only_params
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

PCT_DIGITS = 2  # a percentage to 0.01, as the UI shows it


def _num(value: float | None, digits: int = PRICE_DIGITS) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def _rounded_mover(row: dict[str, Any]) -> dict[str, Any]:
    """A movers row with prices rounded like bars and the % change like the UI."""
    prices = {f: _num(row[f]) for f in ("close", "prev_close", "change") if f in row}
    return row | prices | {"pct_change": _num(row["pct_change"], PCT_DIGITS)}


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("movers_api", __name__)
    answer_errors(bp, log=log, label="web api")

    @bp.get("/api/movers")
    def movers_snapshot() -> Response | tuple[Response, int]:
        only_params("date", "horizon", "group")
        as_of = date_param("date")
        horizon = choice("horizon", list(movers.HORIZONS), "1d")
        group = choice("group", list(movers.GROUPS), "sp500")
        try:
            with services.engine_if_up().connect() as conn:
                snap = movers.read(conn, as_of=as_of, horizon=horizon, group=group)
        except movers.NoData as exc:
            return error(404, str(exc))
        for side in ("gainers", "losers"):
            snap[side] = [_rounded_mover(r) for r in snap[side]]
        return jsonify(snap)

    return bp
