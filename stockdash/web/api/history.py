"""`GET /api/history/<symbol>` and `GET /api/history?symbols=`: stored daily bars as JSON or CSV.

`?indicators=` and `?interval=` (one symbol) add the chart's indicators and weekly or monthly bars,
computed over the whole stored history. The endpoint reads what is stored; it never calls the
price provider (a GET has no side effects and cannot make the server fetch arbitrary tickers).
"""

from __future__ import annotations

import logging
from datetime import date

import orjson
import pandas as pd
from flask import Blueprint, Response, jsonify, request

from stockdash import indicators, intervals, store
from stockdash import series as bar_series
from stockdash.indicators import Spec
from stockdash.symbols import InvalidSymbol, normalise_many
from stockdash.universe import name_of, to_yahoo
from stockdash.web.api.csvfile import csv_download
from stockdash.web.api.params import (
    FORMATS,
    BadRequest,
    answer_errors,
    choice,
    date_range,
    error,
    only_params,
    path_symbol,
)
from stockdash.web.services import Services

log = logging.getLogger("stockdash.web")

CSV_COLUMNS = ["date", "open", "high", "low", "close", "adj_close", "volume"]
PRICE_DIGITS = 4  # as bars are served (JSON and CSV): sub-dollar stocks and FX quote to 4 places
INDICATOR_DIGITS = 10  # indicators to 1e-10: MACD and ATR of a low-priced stock are small numbers
MAX_SYMBOLS = 6  # a compare chart: the ticker and up to five others


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


def _symbols_param() -> list[str]:
    """What a compare chart shows, in one file: ?symbols=AAPL,MSFT,SPY (up to MAX_SYMBOLS)."""
    raw = request.args.get("symbols") or ""
    try:
        symbols = [to_yahoo(s) for s in normalise_many(raw)] if raw.strip() else []
    except InvalidSymbol as exc:
        raise BadRequest(str(exc), param="symbols") from None
    if not 1 <= len(symbols) <= MAX_SYMBOLS:
        raise BadRequest(f"'symbols' must list 1 to {MAX_SYMBOLS} symbols, comma-separated", param="symbols")
    return symbols


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
    frames: dict[str, pd.DataFrame],
    *,
    start: date | None,
    end: date | None,
    last: date,
    listed: bool,
    extra: list[str],
) -> Response:
    """A CSV download; `symbols=` (listed) go one after another with a leading `symbol` column;
    `extra` indicator columns follow the bar's, unrounded."""
    if not listed:
        out = next(iter(frames.values()))[CSV_COLUMNS + extra]
    else:
        out = pd.concat([f[CSV_COLUMNS].assign(symbol=s) for s, f in frames.items()], ignore_index=True)
        out = out[["symbol", *CSV_COLUMNS]]
    # Rounded values through the csv module: pandas' to_csv formats each float in Python.
    out = out.round({c: PRICE_DIGITS for c in CSV_COLUMNS[1:]}).astype({"volume": "Int64"}).astype(object)
    out = out.where(out.notna(), "")
    return csv_download(
        list(out.columns),
        zip(*(out[c].tolist() for c in out), strict=True),
        filename=f"{'_'.join(frames)}_{start or 'start'}_{end or last}.csv",
    )


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("history_api", __name__)
    answer_errors(bp, log=log, label="web api")

    @bp.get("/api/history/<path:raw_symbol>")
    def history(raw_symbol: str) -> Response | tuple[Response, int]:
        symbol = path_symbol(raw_symbol)
        only_params("start", "end", "format", "indicators", "interval")
        start, end = date_range()
        fmt = choice("format", FORMATS, "json")
        specs, interval = analysis_params()
        return _history([symbol], start=start, end=end, fmt=fmt, listed=False, specs=specs, interval=interval)

    @bp.get("/api/history")
    def history_many() -> Response | tuple[Response, int]:
        only_params("symbols", "start", "end", "format")
        symbols = _symbols_param()
        start, end = date_range()
        fmt = choice("format", FORMATS, "json")
        return _history(symbols, start=start, end=end, fmt=fmt, listed=True)

    def _history(
        symbols: list[str],
        *,
        start: date | None,
        end: date | None,
        fmt: str,
        listed: bool,
        specs: list[Spec] | None = None,
        interval: str = intervals.DAILY,
    ) -> Response | tuple[Response, int]:
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
                **({"interval": interval} if interval != intervals.DAILY else {}),
                "bars": _bars_json(frames[s], extra),
            }
            for s in symbols
        ]
        return jsonify({"symbols": symbols, "series": series} if listed else series[0])

    return bp
