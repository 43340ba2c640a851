"""What the API's endpoints share: strict parameters, a 400 naming the bad one, and the error answers.

Every blueprint calls `answer_errors`, so every error is the same JSON shape
(`{"error", "status"}`, plus `param` for a 400) and a database outage is logged the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from stockdash.errors import error_text
from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import to_yahoo

FORMATS = ("json", "csv")


class BadRequest(ValueError):
    """A query parameter the API cannot use; the message names it."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": message, "status": status, **extra}), status


def answer_errors(bp: Blueprint, *, log: logging.Logger, label: str) -> None:
    """The API's two error answers on `bp`: a 400 naming the bad parameter, and a 503 (logged
    as `<label> database error`) while the database does not answer."""

    @bp.errorhandler(BadRequest)
    def _bad_request(exc: BadRequest) -> tuple[Response, int]:
        return error(400, str(exc), **({"param": exc.param} if exc.param else {}))

    @bp.errorhandler(SQLAlchemyError)
    def _db_down(exc: SQLAlchemyError) -> tuple[Response, int]:
        log.error("%s database error: %s", label, error_text(exc))
        return error(503, "the database is not answering; try again shortly")


def only_params(*allowed: str, repeatable: tuple[str, ...] = ()) -> None:
    """A misspelt parameter (`?from=` for `?start=`) or a repeated one (unless `repeatable`) is an
    error, not ignored."""
    for name in request.args:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name[:40]!r}; use {', '.join(allowed)}", param=name[:40])
        if len(request.args.getlist(name)) > 1 and name not in repeatable:
            raise BadRequest(f"'{name}' is given more than once", param=name)


def path_symbol(raw: str) -> str:
    """The symbol in a URL path (`/api/.../<symbol>`) as Yahoo spells it; a 400 if it is not one."""
    try:
        return to_yahoo(normalise(raw))
    except InvalidSymbol as exc:
        raise BadRequest(str(exc), param="symbol") from None


def choice(name: str, allowed: Sequence[str], default: str) -> str:
    """A parameter that is one of `allowed` (`default` when absent)."""
    value = request.args.get(name, default)
    if value not in allowed:
        raise BadRequest(f"'{name}' must be one of {', '.join(allowed)} (got {value[:40]!r})", param=name)
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # fromisoformat alone also takes 20260101 and 2026-W01-1


def date_param(name: str) -> date | None:
    """An optional YYYY-MM-DD query parameter."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        if not ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date as YYYY-MM-DD (got {raw[:40]!r})", param=name) from None


def date_range() -> tuple[date | None, date | None]:
    """`start` and `end`, either optional; a 400 when `start` is after `end`."""
    start, end = date_param("start"), date_param("end")
    if start and end and start > end:
        raise BadRequest(f"'start' ({start}) is after 'end' ({end})", param="start")
    return start, end
