"""`GET /api/screener`: the stored snapshot filtered, sorted and paged, as JSON or CSV.

`where` is repeatable (`where=rsi14<30&where=relvol>=2`, combined with AND); `preset=` starts from
one of the page's presets (its filters, and its order unless `sort` is given). Every parameter is
checked before the database is read: an unknown field, operator, value or sort key is a 400
naming it. The endpoint reads what the daily job stored; it computes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from stockdash import screener
from stockdash.web.api.csvfile import csv_download
from stockdash.web.api.params import BadRequest, answer_errors, date_param, error, only_params
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

FORMATS = ("json", "csv")
MAX_LIMIT = 1000  # JSON rows per request; CSV has every match unless `limit` says otherwise
DEFAULT_LIMIT = 50
PARAMS = ("preset", "group", "sector", "where", "sort", "limit", "offset", "format", "date")


def _int(name: str, *, default: int | None, low: int, high: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise BadRequest(f"'{name}' must be a whole number (got {raw[:40]!r})", param=name)
    value = int(raw)
    if value < low or (high is not None and value > high):
        bounds = f"{low} to {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"'{name}' must be {bounds} (got {value})", param=name)
    return value


def screen_from_request() -> tuple[screener.Screen, str]:
    """The screen a request asks for, and its format; BadRequest (400) naming a bad parameter."""
    only_params(*PARAMS, repeatable=("where",))
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise BadRequest(f"'format' must be one of {', '.join(FORMATS)} (got {fmt[:40]!r})", param="format")
    group = request.args.get("group", "all")
    if group not in screener.GROUPS:
        raise BadRequest(
            f"'group' must be one of {', '.join(screener.GROUPS)} (got {group[:40]!r})", param="group"
        )
    preset_name = request.args.get("preset") or None
    preset = screener.PRESETS.get(preset_name) if preset_name is not None else None
    if preset_name is not None and preset is None:
        raise BadRequest(
            f"unknown preset {preset_name[:40]!r}; use one of {', '.join(screener.PRESETS)}", param="preset"
        )
    wheres = request.args.getlist("where")
    if preset is not None:
        wheres = [*preset.filters, *wheres]
    if len(wheres) > screener.MAX_FILTERS:
        raise BadRequest(f"at most {screener.MAX_FILTERS} 'where' filters", param="where")
    try:
        filters = [screener.parse_filter(w) for w in wheres]
        sort = screener.parse_sort(request.args.get("sort") or (preset.sort if preset else None))
    except screener.ScreenError as exc:
        raise BadRequest(str(exc), param=exc.param) from None
    sector = request.args.get("sector") or None
    if sector is not None and len(sector) > 64:
        raise BadRequest("'sector' is at most 64 characters", param="sector")
    csv_out = fmt == "csv"
    limit = _int(
        "limit", default=None if csv_out else DEFAULT_LIMIT, low=1, high=None if csv_out else MAX_LIMIT
    )
    offset = _int("offset", default=0, low=0, high=None) or 0
    screen = screener.Screen(
        preset=preset_name,
        as_of=date_param("date"),
        group=group,
        sector=sector,
        filters=filters,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return screen, fmt


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("screener_api", __name__)

    answer_errors(bp, log=log, label="web screener api")

    @bp.get("/api/screener")
    def screen() -> Response | tuple[Response, int]:
        wanted, fmt = screen_from_request()
        try:
            # Autocommit: reads only, and no BEGIN and ROLLBACK round trips around them.
            with services.engine_if_up().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                result = screener.run(conn, wanted)
        except screener.NoSnapshot as exc:
            return error(404, str(exc))
        if fmt == "csv":
            return csv_download(
                screener.ROW_FIELDS,
                ([row[f] for f in screener.ROW_FIELDS] for row in result.rows),
                filename=f"screener_{result.group}_{result.as_of}.csv",
            )
        return jsonify(
            {
                "as_of": result.as_of.isoformat(),
                "group": result.group,
                "preset": wanted.preset,
                "sector": wanted.sector,
                "where": [f.text() for f in wanted.filters],
                "sort": wanted.sort.text(),
                "count": result.count,
                "limit": wanted.limit,
                "offset": wanted.offset,
                "rows": result.rows,
            }
        )

    return bp
