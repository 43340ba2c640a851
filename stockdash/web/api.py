"""JSON/CSV endpoints on the Dash app's Flask server: /healthz, /api/history/<symbol>, /api/movers.

Input is validated before any I/O: a bad parameter is a 400 with a JSON body naming it, an
unknown symbol a 404, a database outage a 503; never a 500 page for something a user typed.
The API reads what is stored; it never calls the price provider (a GET has no side effects
and cannot be used to make the server fetch arbitrary tickers).
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

import orjson
import pandas as pd
from flask import Blueprint, Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from stockdash import movers, store
from stockdash import series as bar_series
from stockdash.api_params import BadRequest, answer_errors, error, only_params, path_symbol
from stockdash.api_params import date_param as _date_param
from stockdash.indicators import Spec
from stockdash.live import web_api as live_api
from stockdash.symbols import InvalidSymbol, normalise_many
from stockdash.universe import name_of, to_yahoo
from stockdash.web import health
from stockdash.web.chart import api as chart_api
from stockdash.web.screener import api as screener_api
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

FORMATS = ("json", "csv")
CSV_COLUMNS = ["date", "open", "high", "low", "close", "adj_close", "volume"]
# The longest URL (path and query) the app takes; longer ones get a JSON 414. gunicorn.conf.py lets
# request lines up to 8190 bytes through to the app, so only longer ones meet gunicorn's own page.
MAX_URL_BYTES = 4096


def _date_range() -> tuple[date | None, date | None]:
    start, end = _date_param("start"), _date_param("end")
    if start and end and start > end:
        raise BadRequest(f"'start' ({start}) is after 'end' ({end})", param="start")
    return start, end


def _choice(name: str, allowed, default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise BadRequest(f"'{name}' must be one of {', '.join(allowed)} (got {value[:40]!r})", param=name)
    return value


PRICE_DIGITS = 4  # as bars are served (JSON and CSV): sub-dollar stocks and FX quote to 4 places
PCT_DIGITS = 2  # a percentage to 0.01, as the UI shows it


def _num(value: float | None, digits: int = PRICE_DIGITS) -> float | None:
    return None if value is None or value != value else round(float(value), digits)


def _rounded_mover(row: dict) -> dict:
    """A movers row with prices rounded like bars and the % change like the UI."""
    prices = {f: _num(row[f]) for f in ("close", "prev_close", "change") if f in row}
    return row | prices | {"pct_change": _num(row["pct_change"], PCT_DIGITS)}


MAX_SYMBOLS = 6  # a compare chart: the ticker and up to five others


INDICATOR_DIGITS = 10  # indicators to 1e-10: MACD and ATR of a low-priced stock are small numbers


def _bars_json(frame: pd.DataFrame, extra: list[str]) -> orjson.Fragment:
    """The bars as a JSON array of objects, written by pandas' C encoder and embedded as it is:
    a dict per bar built in Python was most of the request's time for ten years of bars.
    `extra` are indicator columns, kept to INDICATOR_DIGITS places (prices still to PRICE_DIGITS)."""
    out = frame[CSV_COLUMNS + extra].astype({"date": str, "volume": "Int64"})
    if not extra:
        return orjson.Fragment(out.to_json(orient="records", double_precision=PRICE_DIGITS))
    out = out.round({c: PRICE_DIGITS for c in CSV_COLUMNS[1:-1]})
    return orjson.Fragment(out.to_json(orient="records", double_precision=INDICATOR_DIGITS))


def _csv(
    frames: dict,
    *,
    start: date | None,
    end: date | None,
    last: date,
    listed: bool,
    extra: list[str] | None = None,
) -> Response:
    """A CSV download; `symbols=` (listed) go one after another with a leading `symbol` column;
    `extra` indicator columns follow the bar's, unrounded."""
    extra = extra or []
    if not listed:
        out = next(iter(frames.values()))[CSV_COLUMNS + extra]
    else:
        out = pd.concat([f[CSV_COLUMNS].assign(symbol=s) for s, f in frames.items()], ignore_index=True)
        out = out[["symbol", *CSV_COLUMNS]]
    # Rounded values through the csv module: pandas' to_csv formats each float in Python.
    out = out.round({c: PRICE_DIGITS for c in CSV_COLUMNS[1:]}).astype({"volume": "Int64"}).astype(object)
    out = out.where(out.notna(), "")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(out.columns)
    writer.writerows(zip(*(out[c].tolist() for c in out), strict=True))
    filename = f"{'_'.join(frames)}_{start or 'start'}_{end or last}.csv"
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("api", __name__)

    answer_errors(bp, log=log, label="web api")

    @bp.get("/healthz")
    def healthz():
        ok, why = health.database_ok(services.database_url)
        if not ok:
            log.warning("healthz database down: %s", why)
            return jsonify({"status": "error", "database": "down", "error": "database unavailable"}), 503
        return jsonify({"status": "ok", "database": "ok"})

    @bp.get("/api/history/<path:raw_symbol>")
    def history(raw_symbol: str):
        symbol = path_symbol(raw_symbol)
        only_params("start", "end", "format", "indicators", "interval")
        start, end = _date_range()
        fmt = _choice("format", FORMATS, "json")
        specs, interval = chart_api.analysis_params()
        return _history([symbol], start=start, end=end, fmt=fmt, listed=False, specs=specs, interval=interval)

    @bp.get("/api/history")
    def history_many():
        # What a compare chart shows, in one file: ?symbols=AAPL,MSFT,SPY (up to MAX_SYMBOLS).
        only_params("symbols", "start", "end", "format")
        raw = request.args.get("symbols") or ""
        try:
            symbols = [to_yahoo(s) for s in normalise_many(raw)] if raw.strip() else []
        except InvalidSymbol as exc:
            raise BadRequest(str(exc), param="symbols") from None
        if not 1 <= len(symbols) <= MAX_SYMBOLS:
            raise BadRequest(
                f"'symbols' must list 1 to {MAX_SYMBOLS} symbols, comma-separated", param="symbols"
            )
        start, end = _date_range()
        fmt = _choice("format", FORMATS, "json")
        return _history(symbols, start=start, end=end, fmt=fmt, listed=True)

    def _history(
        symbols: list[str],
        *,
        start: date | None,
        end: date | None,
        fmt: str,
        listed: bool,
        specs: list[Spec] | None = None,
        interval: str = "1d",
    ):
        """Stored bars as JSON or CSV: one symbol's answer for /api/history/<symbol>, and for
        `symbols=` (listed) always {"symbols", "series"} and a `symbol` column, whatever the count;
        at `interval` with the `specs` indicators (computed over the whole stored history)."""
        specs = specs or []
        extra = bar_series.columns(specs)
        with services.engine_if_up().connect() as conn:
            lasts = store.last_dates(conn, symbols)
            missing = [s for s in symbols if s not in lasts]
            if missing:
                return error(404, f"no prices stored for {', '.join(missing)}", symbol=missing[0])
            frames = {
                s: bar_series.load(conn, s, start=start, end=end, interval=interval, specs=specs)
                for s in symbols
            }
            provider = store.dataset_provider(conn)
        if fmt == "csv":
            return _csv(frames, start=start, end=end, last=max(lasts.values()), listed=listed, extra=extra)
        series = [
            {
                "symbol": s,
                "name": name_of(s),
                "provider": provider,
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
                "last_date": lasts[s].isoformat(),
                "count": len(frames[s]),
                **({"interval": interval} if interval != "1d" else {}),
                "bars": _bars_json(frames[s], extra),
            }
            for s in symbols
        ]
        return jsonify({"symbols": symbols, "series": series} if listed else series[0])

    @bp.get("/api/movers")
    def movers_snapshot():
        only_params("date", "horizon", "group")
        as_of = _date_param("date")
        horizon = _choice("horizon", list(movers.HORIZONS), "1d")
        group = _choice("group", list(movers.GROUPS), "sp500")
        try:
            with services.engine_if_up().connect() as conn:
                snap = movers.read(conn, as_of=as_of, horizon=horizon, group=group)
        except movers.NoData as exc:
            return error(404, str(exc))
        for side in ("gainers", "losers"):
            snap[side] = [_rounded_mover(r) for r in snap[side]]
        return jsonify(snap)

    @bp.get("/api/<path:_rest>")
    def unknown(_rest: str):
        # Without this, Dash's catch-all page route would answer unknown API paths with HTML.
        return error(404, f"no such endpoint: {request.path}")

    return bp


def register(server: Flask, services: Services) -> None:
    server.register_blueprint(blueprint(services))
    server.register_blueprint(chart_api.blueprint(services, _date_range))
    server.register_blueprint(screener_api.blueprint(services))
    server.register_blueprint(
        live_api.blueprint(services.engine_if_up, services.settings, reads=services.live)
    )

    @server.before_request
    def _url_length():
        if len(request.environ.get("RAW_URI") or request.full_path) > MAX_URL_BYTES:
            abort(414, f"the URL is longer than {MAX_URL_BYTES} bytes")

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        # JSON for API paths (unknown route, wrong method); Dash's own pages keep Flask's answer.
        if request.path.startswith("/api/") or request.path == "/healthz":
            return error(exc.code or 500, exc.description or exc.name)
        return exc

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("web unhandled error path=%s", request.path)
        return error(500, "internal error; it has been logged")
