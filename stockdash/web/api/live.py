"""`GET /api/quotes` and `GET /api/intraday/<symbol>`: live data as stored by the clock, shared cheaply.

The reads come from the process's LiveReads (stockdash.live.shared_reads): every viewer shares one
read per second of the quotes and of each symbol's day of minute bars, and a symbol asked for that
is not live is recorded as wanted for the clock. This module parses the request and writes JSON/CSV.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from stockdash.db import utc
from stockdash.live.latest import Latest, latest
from stockdash.live.shared_reads import LiveQuote, LiveReads, MinuteBar
from stockdash.symbols import InvalidSymbol, normalise_many
from stockdash.universe import to_yahoo
from stockdash.web.api.csvfile import csv_download
from stockdash.web.api.params import BadRequest, answer_errors, only_params, path_symbol

log = logging.getLogger("stockdash.web")

MAX_SYMBOLS_PER_REQUEST = 50
DEFAULT_INTRADAY = timedelta(days=1)
_PLUS_SENT_AS_SPACE = re.compile(r" (\d\d:?\d\d)$")
CSV_COLUMNS = ("time", "open", "high", "low", "close", "volume")


def _symbol_list(raw: str | None) -> list[str]:
    if raw is None or not raw.strip():
        raise BadRequest("'symbols' is required: comma-separated tickers, e.g. AAPL,MSFT", param="symbols")
    parts = [p for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_SYMBOLS_PER_REQUEST:
        raise BadRequest(f"at most {MAX_SYMBOLS_PER_REQUEST} symbols per request", param="symbols")
    try:
        return [to_yahoo(s) for s in normalise_many(parts)]
    except InvalidSymbol as exc:
        raise BadRequest(str(exc), param="symbols") from None


def _since(raw: str | None, now: datetime) -> datetime:
    if raw is None or raw == "":
        return now - DEFAULT_INTRADAY
    try:
        if len(raw) > 40 or not raw[:4].isdigit() or raw[4:5] != "-":  # not the basic 20260101 form
            raise ValueError(raw)
        # An unencoded `+01:00` arrives as ` 01:00`: take it as the offset it was.
        moment = datetime.fromisoformat(_PLUS_SENT_AS_SPACE.sub(r"+\1", raw).replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"'since' must be an ISO 8601 time, e.g. 2026-01-05T14:30:00Z (got {raw[:40]!r})", param="since"
        ) from None
    return utc(moment)


def _iso(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


def _quote_json(quote: LiveQuote) -> dict[str, Any]:
    return quote._asdict() | {"time": _iso(quote.time)}


def _bar_json(bar: MinuteBar) -> dict[str, Any]:
    return {
        "time": _iso(bar.minute),
        "open": bar.open,
        "high": bar.high,
        "low": bar.low,
        "close": bar.close,
        "volume": bar.volume,
    }


def quotes_json(answer: Latest) -> dict[str, Any]:
    """/api/quotes' body: times as ISO 8601 UTC with a Z."""
    market = answer.market
    return {
        "quotes": [_quote_json(q) for q in answer.quotes.values()],
        "market": market and {"session": market.session, "next_open": _iso(market.next_open)},
        "not_live": [n._asdict() for n in answer.not_live.values()],
    }


def quotes_answer(reads: LiveReads, symbols: list[str]) -> dict[str, Any]:
    """/api/quotes' body for `symbols` (recording wants for those outside the server's watchlist)."""
    return quotes_json(latest(reads, reads.settings.watchlist_symbols, symbols))


def blueprint(reads: LiveReads) -> Blueprint:
    """The live API over one process's shared `reads` (the live view reads the same)."""
    bp = Blueprint("live_api", __name__)
    answer_errors(bp, log=log, label="live api")

    @bp.get("/api/quotes")
    def quotes() -> Response:
        only_params("symbols")
        return jsonify(quotes_answer(reads, _symbol_list(request.args.get("symbols"))))

    @bp.get("/api/intraday/<path:raw_symbol>")
    def intraday(raw_symbol: str) -> Response:
        symbol = path_symbol(raw_symbol)
        only_params("since", "format")
        since = _since(request.args.get("since"), datetime.now(UTC))
        fmt = request.args.get("format", "json")
        if fmt not in ("json", "csv"):
            raise BadRequest(f"'format' must be json or csv (got {fmt[:40]!r})", param="format")
        bars = [_bar_json(b) for b in reads.bars(symbol, since)]
        if fmt == "csv":
            return csv_download(
                CSV_COLUMNS,
                ([bar[c] for c in CSV_COLUMNS] for bar in bars),
                filename=f"{symbol}_intraday.csv",
            )
        return jsonify({"symbol": symbol, "since": _iso(since), "count": len(bars), "bars": bars})

    return bp
