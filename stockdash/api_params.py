"""What the JSON endpoints share: a 400 naming the bad parameter, JSON errors, strict parameters."""

from __future__ import annotations

import re
from datetime import date

from flask import Response, jsonify, request

from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import to_yahoo


class BadRequest(ValueError):
    """A query parameter the API cannot use; the message names it."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def error(status: int, message: str, **extra) -> tuple[Response, int]:
    return jsonify({"error": message, "status": status, **extra}), status


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
