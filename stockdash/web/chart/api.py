"""The chart's API: `?indicators=` and `?interval=` of /api/history, and /api/actions/<symbol>.

Kept apart from web/api.py, which calls `analysis_params` and registers `blueprint`.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from datetime import date

from flask import Blueprint, Response, jsonify, request

from stockdash import actions, indicators, intervals, store
from stockdash.api_params import BadRequest, answer_errors, error, only_params, path_symbol
from stockdash.indicators import Spec
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

ACTION_FIELDS = ["date", "kind", "amount", "numerator", "denominator"]


def analysis_params() -> tuple[list[Spec], str]:
    """(indicators, interval) of a history request; a 400 naming an unknown indicator or interval."""
    try:
        specs = indicators.parse(request.args.get("indicators", ""))
    except indicators.UnknownIndicator as exc:
        raise BadRequest(str(exc), param="indicators") from None
    interval = request.args.get("interval", intervals.DAILY)
    if interval not in intervals.INTERVALS:
        raise BadRequest(
            f"'interval' must be one of {', '.join(intervals.INTERVALS)} (got {interval[:40]!r})",
            param="interval",
        )
    return specs, interval


def _action_rows(symbol: str, frame) -> list[dict]:
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


def _csv(symbol: str, rows: list[dict], start: date | None, end: date | None) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ACTION_FIELDS)
    writer.writerows([["" if r[f] is None else r[f] for f in ACTION_FIELDS] for r in rows])
    name = f"{symbol}_actions_{start or 'start'}_{end or 'end'}.csv"
    return Response(
        buf.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def blueprint(services: Services, date_range: Callable[[], tuple[date | None, date | None]]) -> Blueprint:
    """/api/actions/<symbol>?start=&end=&format=json|csv: the stored dividends and splits."""
    bp = Blueprint("chart_api", __name__)

    answer_errors(bp, log=log, label="web api")

    @bp.get("/api/actions/<path:raw_symbol>")
    def actions_of(raw_symbol: str):
        symbol = path_symbol(raw_symbol)
        only_params("start", "end", "format")
        start, end = date_range()
        fmt = request.args.get("format", "json")
        if fmt not in ("json", "csv"):
            raise BadRequest(f"'format' must be one of json, csv (got {fmt[:40]!r})", param="format")
        with services.engine_if_up().connect() as conn:
            if symbol not in store.last_dates(conn, [symbol]):
                return error(404, f"no prices stored for {symbol}", symbol=symbol)
            rows = _action_rows(symbol, actions.load(conn, symbol, start=start, end=end))
        if fmt == "csv":
            return _csv(symbol, rows, start, end)
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
