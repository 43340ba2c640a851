"""What the JSON endpoints share: a 400 naming the bad parameter, JSON errors, strict parameters."""

from __future__ import annotations

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


def only_params(*allowed: str) -> None:
    """A misspelt parameter (`?from=` for `?start=`) or a repeated one is an error, not ignored."""
    for name in request.args:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name[:40]!r}; use {', '.join(allowed)}", param=name[:40])
        if len(request.args.getlist(name)) > 1:
            raise BadRequest(f"'{name}' is given more than once", param=name)


def path_symbol(raw: str) -> str:
    """The symbol in a URL path (`/api/.../<symbol>`) as Yahoo spells it; a 400 if it is not one."""
    try:
        return to_yahoo(normalise(raw))
    except InvalidSymbol as exc:
        raise BadRequest(str(exc), param="symbol") from None
