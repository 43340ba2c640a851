"""`GET /api/actions/<symbol>`: the stored dividends and splits between two dates, as JSON or CSV."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from flask import Blueprint, Response, jsonify

from stockdash import actions, store
from stockdash.web.api.csvfile import csv_download
from stockdash.web.api.params import (
    FORMATS,
    answer_errors,
    choice,
    date_range,
    error,
    only_params,
    path_symbol,
)
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

ACTION_FIELDS = ["date", "kind", "amount", "numerator", "denominator"]


def _action_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Actions as API rows: a dividend has an amount, a split its numerator and denominator."""
    out = []
    for row in frame.to_dict("records"):
        item = {"date": row["date"].isoformat(), "kind": row["kind"]}
        if row["kind"] == "dividend":
            item |= {"amount": row["amount"], "numerator": None, "denominator": None}
        else:
            item |= {"amount": None, "numerator": row["numerator"], "denominator": row["denominator"]}
        out.append(item)
    return out


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("actions_api", __name__)
    answer_errors(bp, log=log, label="web api")

    @bp.get("/api/actions/<path:raw_symbol>")
    def actions_of(raw_symbol: str) -> Response | tuple[Response, int]:
        symbol = path_symbol(raw_symbol)
        only_params("start", "end", "format")
        start, end = date_range()
        fmt = choice("format", FORMATS, "json")
        with services.engine_if_up().connect() as conn:
            if symbol not in store.last_dates(conn, [symbol]):
                return error(404, f"no prices stored for {symbol}", symbol=symbol)
            rows = _action_rows(actions.load(conn, symbol, start=start, end=end))
        if fmt == "csv":
            return csv_download(
                ACTION_FIELDS,
                ([r[f] for f in ACTION_FIELDS] for r in rows),
                filename=f"{symbol}_actions_{start or 'start'}_{end or 'end'}.csv",
            )
        return jsonify(
            {
                "symbol": symbol,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
                "count": len(rows),
                "actions": rows,
            }
        )

    return bp
