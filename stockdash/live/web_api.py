"""`GET /api/quotes` and `GET /api/intraday/<symbol>`: live data as stored by the clock, shared cheaply.

Every viewer in a process shares one read per second of the quotes (and of each symbol's day of
minute bars), so database reads do not grow with viewers. A symbol asked for that is not live is
recorded as wanted (at most once a minute per symbol per process) for the clock to pick up; the
web never calls the provider and never opens a stream.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from stockdash.api_params import BadRequest, error, only_params, path_symbol
from stockdash.config import Settings
from stockdash.db import utc
from stockdash.errors import error_text
from stockdash.live import liveset
from stockdash.live.latest import latest, latest_json, read_snapshot
from stockdash.live.shared_reads import SharedReads
from stockdash.schema import intraday_bars
from stockdash.symbols import InvalidSymbol, normalise_many
from stockdash.universe import to_yahoo

log = logging.getLogger("stockdash.web")

MAX_SYMBOLS_PER_REQUEST = 50
WANT_EVERY_SECONDS = 60.0  # a viewed symbol's want is refreshed this often per process
WANTS_PER_SECOND = 5  # new wants a process writes at most, whatever visitors ask
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


class LiveReads:
    """The shared snapshots and the rate-bounded wants of one web process."""

    def __init__(self, engine: Callable[[], Engine], settings: Settings, *, ttl: float = 1.0) -> None:
        self.engine = engine
        self.settings = settings
        self.cache = SharedReads(ttl)
        self._wanted_at: dict[str, float] = {}
        self._budget = (0.0, 0)  # (second, wants written in it)
        self._lock = threading.Lock()

    def snapshot(self) -> dict:
        return self.cache.get("quotes", self._load_snapshot)

    def _load_snapshot(self) -> dict:
        with self.engine().connect() as conn:
            return read_snapshot(conn, self.settings, now=datetime.now(UTC))

    def bars(self, symbol: str, since: datetime) -> list[dict]:
        """Minute bars after `since`: a day's worth per symbol is read once a second and shared."""
        floor = since.replace(hour=0, minute=0, second=0, microsecond=0)
        rows = self.cache.get(("bars", symbol, floor), lambda: self._load_bars(symbol, floor))
        return [r for r in rows if r["minute"] > since]

    def _load_bars(self, symbol: str, floor: datetime) -> list[dict]:
        query = (
            select(intraday_bars)
            .where(intraday_bars.c.symbol == symbol, intraday_bars.c.minute >= floor)
            .order_by(intraday_bars.c.minute)
        )
        with self.engine().connect() as conn:
            return [{**r._asdict(), "minute": utc(r.minute)} for r in conn.execute(query)]

    def want(self, symbols: list[str]) -> set[str]:
        """Record wants (at most once a minute each, a few a second in all); the symbols left unwritten."""
        now = time.monotonic()
        due, skipped = [], set()
        with self._lock:
            second, used = self._budget
            if int(now) != second:
                second, used = int(now), 0
            for symbol in symbols:
                if now - self._wanted_at.get(symbol, -1e9) < WANT_EVERY_SECONDS:
                    continue
                if used >= WANTS_PER_SECOND:
                    skipped.add(symbol)
                    continue
                used += 1
                self._wanted_at[symbol] = now
                due.append(symbol)
            self._budget = (second, used)
        if due:
            with self.engine().begin() as conn:
                liveset.want(conn, due, now=datetime.now(UTC), minutes=self.settings.live_want_minutes)
        return skipped


def _bar_json(bar: dict) -> dict:
    return {"time": _iso(bar["minute"]), **{k: bar[k] for k in CSV_COLUMNS[1:]}}


def quotes_answer(reads: LiveReads, settings: Settings, symbols: list[str]) -> dict:
    """The latest quotes of `symbols`, the market session, and why any is not live (recording wants)."""
    return latest_json(latest(reads, settings.watchlist_symbols, symbols))


def blueprint(
    engine: Callable[[], Engine], settings: Settings, *, reads: LiveReads | None = None
) -> Blueprint:
    """The live API; `reads` shares one process's snapshots with the live view."""
    bp = Blueprint("live_api", __name__)
    shared = reads or LiveReads(engine, settings)
    setattr(bp, "live_reads", shared)  # noqa: B010  for tests and the benchmark

    @bp.errorhandler(BadRequest)
    def _bad_input(exc: BadRequest):
        return error(400, str(exc), param=exc.param)

    @bp.errorhandler(SQLAlchemyError)
    def _db_down(exc: SQLAlchemyError):
        log.error("live api database error: %s", error_text(exc))
        return error(503, "the database is not answering; try again shortly")

    @bp.get("/api/quotes")
    def quotes():
        only_params("symbols")
        return jsonify(quotes_answer(shared, settings, _symbol_list(request.args.get("symbols"))))

    @bp.get("/api/intraday/<path:raw_symbol>")
    def intraday(raw_symbol: str):
        symbol = path_symbol(raw_symbol)
        only_params("since", "format")
        since = _since(request.args.get("since"), datetime.now(UTC))
        fmt = request.args.get("format", "json")
        if fmt not in ("json", "csv"):
            raise BadRequest(f"'format' must be json or csv (got {fmt[:40]!r})", param="format")
        bars = [_bar_json(b) for b in shared.bars(symbol, since)]
        if fmt == "csv":
            out = io.StringIO()
            out.write(",".join(CSV_COLUMNS) + "\n")
            for bar in bars:
                out.write(",".join("" if bar[c] is None else str(bar[c]) for c in CSV_COLUMNS) + "\n")
            return Response(
                out.getvalue(),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{symbol}_intraday.csv"'},
            )
        return jsonify({"symbol": symbol, "since": _iso(since), "count": len(bars), "bars": bars})

    return bp
