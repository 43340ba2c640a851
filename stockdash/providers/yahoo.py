"""Yahoo Finance through yfinance: daily bars per symbol, with causes for every failure, and the
one-minute bars of the last sessions for 1D/5D (`fetch_minutes`, Yahoo keeps them for 30 days and
answers at most 8 days of them per request).

Why `Ticker.history` per symbol and not `yf.download`: in yfinance 1.7.0 `download()`
swallows every per-ticker exception (its per-call error dict is only logged, `shared._ERRORS`
is no longer filled, and it flips `config.network.hide_exceptions`, a key nothing reads), so a
rate limit, a timeout and an unknown symbol all come back as the same NaN column. `history()`
with `yf.config.debug.hide_exceptions = False` raises the real cause instead, which is what
per-symbol failures and bounded retries need. We run our own thread pool per chunk.

Telling a delisted symbol from a rate limit: Yahoo answers an unknown symbol with HTTP 404
and a JSON `chart.error` ("Not Found"); yfinance then raises `YFTzMissingError` ("possibly
delisted; no timezone found") or, for its first two such symbols in a process, the HTTP 404
of the quote-summary fallback. A rate limit is HTTP 429 "Too Many Requests", which yfinance
retries once and then raises as `YFRateLimitError`; a timeout raises the session's timeout
error. With exceptions hidden (yfinance's default) a 429/timeout on the timezone lookup looks
exactly like a delisting; with them raised it never does, so only the 404 family is 'no data'.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import requests
import yfinance as yf
import yfinance.cache as yf_cache
from curl_cffi import requests as curl_requests
from curl_cffi.requests import exceptions as curl_exc
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter
from yfinance.exceptions import YFPricesMissingError, YFRateLimitError, YFTickerMissingError

from stockdash import netlog
from stockdash.providers.base import (
    ACTION_COLUMNS,
    BAR_COLUMNS,
    MINUTE_COLUMNS,
    FetchResult,
    ProviderError,
    empty_actions,
    empty_bars,
    empty_minutes,
)

log = logging.getLogger(__name__)

NO_DATA = "no data (unknown or delisted symbol)"
RATE_LIMITED = "rate limited"
TIMEOUT = "timeout"
UNREACHABLE = "connection failed"
TRANSIENT = (RATE_LIMITED, TIMEOUT, UNREACHABLE)
SKIPPED = "not attempted: the previous chunk failed entirely"

REACHABLE_URL = "https://query2.finance.yahoo.com/v8/finance/chart/SPY?range=1d&interval=1d"

_TIMEOUT_ERRORS = (curl_exc.Timeout, requests.exceptions.Timeout, TimeoutError)
_CONNECTION_ERRORS = (curl_exc.ConnectionError, requests.exceptions.ConnectionError, ConnectionError)


@dataclass
class _SymbolResult:
    """What one symbol gave: bars and actions, or the reason it gave nothing."""

    symbol: str
    bars: pd.DataFrame = field(default_factory=empty_bars)
    actions: pd.DataFrame = field(default_factory=empty_actions)
    failure: str | None = None


@dataclass(kw_only=True, eq=False)
class YahooProvider:
    """Daily bars from Yahoo, chunked, threaded, retried; failures reported per symbol."""

    name = "yahoo"  # not a field: the same for every instance

    chunk_size: int = 100
    threads: int = 4
    retries: int = 4
    timeout: float = 20.0
    backoff_base: float = 1.0
    session: Any = None

    def __post_init__(self) -> None:
        if self.chunk_size < 1 or self.threads < 1 or self.retries < 0:
            raise ValueError("chunk_size and threads must be >= 1, retries >= 0")
        # Raised, not logged-and-swallowed: the only way to learn why a symbol failed.
        yf.config.debug.hide_exceptions = False

    def fetch_daily(self, symbols: Sequence[str], *, start: date, end: date) -> FetchResult:
        """Bars for start <= date <= end; raises ProviderError only if Yahoo failed for all."""
        wanted = _unique_upper(symbols)
        results: list[_SymbolResult] = []
        tripped: str | None = None
        chunks = list(_chunks(wanted, self.chunk_size))
        open_tz_cache()
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="yahoo") as pool:
            for number, chunk in enumerate(chunks, start=1):
                began = time.monotonic()
                if tripped:
                    chunk_results = [_SymbolResult(s, failure=f"{tripped} ({SKIPPED})") for s in chunk]
                else:
                    chunk_results = list(pool.map(lambda s: self._fetch_symbol(s, start, end), chunk))
                    tripped = _breaker_reason(chunk_results)
                results.extend(chunk_results)
                _log_chunk(number, len(chunks), chunk_results, time.monotonic() - began)
        return _assemble(results)

    def _fetch_symbol(self, symbol: str, start: date, end: date) -> _SymbolResult:
        """One symbol, retried on rate limits and timeouts; never raises."""
        try:
            frame, tz = self._retrying()(self._history, symbol, start, end)
        except Exception as exc:
            reason = failure_reason(exc)
            unexpected = reason.startswith("error:")
            log.log(
                logging.WARNING if unexpected else logging.DEBUG,
                "yahoo %s failed: %s",
                symbol,
                reason,
                exc_info=unexpected,
            )
            return _SymbolResult(symbol, failure=reason)
        bars = frame_to_bars(frame, symbol, tz)
        if bars.empty:
            return _SymbolResult(symbol, failure=NO_DATA)
        return _SymbolResult(symbol, bars=bars, actions=frame_to_actions(frame, symbol, tz))

    def _history(self, symbol: str, start: date, end: date) -> tuple[pd.DataFrame, str | None]:
        """yfinance's own request and parsing for one symbol; end made exclusive for Yahoo."""
        ticker = yf.Ticker(symbol, session=self.session)
        frame = ticker.history(
            start=start,
            end=end + timedelta(days=1),
            interval="1d",
            actions=True,
            auto_adjust=False,
            back_adjust=False,
            repair=False,
            keepna=False,
            timeout=self.timeout,
        )
        tz = ticker.history_metadata.get("exchangeTimezoneName") if not frame.empty else None
        return frame, tz

    def fetch_minutes(self, symbol: str, *, start: datetime, end: datetime) -> pd.DataFrame:
        """One-minute bars, pre- and post-market included; empty for an unknown symbol or one Yahoo
        has no minutes of; ProviderError when Yahoo could not answer (rate limit, timeout, down)."""
        began = time.monotonic()
        open_tz_cache()
        try:
            frame = self._retrying()(self._minutes, symbol.strip().upper(), start, end)
        except YFPricesMissingError:  # Yahoo's empty answer: no minute traded in the window
            log.info("yahoo %s minutes: none in the window", symbol)
            return empty_minutes()
        except Exception as exc:
            reason = failure_reason(exc)
            log.info("yahoo %s minutes failed: %s", symbol, reason)
            if reason == NO_DATA:
                return empty_minutes()
            raise ProviderError(f"Yahoo did not answer for {symbol}'s minute bars: {reason}") from exc
        bars = frame_to_minutes(frame)
        log.info("yahoo %s minutes: %d bars in %.1fs", symbol, len(bars), time.monotonic() - began)
        return bars

    def _minutes(self, symbol: str, start: datetime, end: datetime) -> pd.DataFrame:
        """yfinance's own request and parsing of Yahoo's 1m chart (period1/period2, includePrePost)."""
        return yf.Ticker(symbol, session=self.session).history(
            start=start,
            end=end,
            interval="1m",
            prepost=True,
            actions=False,
            auto_adjust=False,
            back_adjust=False,
            repair=False,
            keepna=False,
            timeout=self.timeout,
        )

    def _retrying(self) -> Retrying:
        """Bounded attempts with exponential backoff and jitter, only for transient causes."""
        return Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential_jitter(multiplier=self.backoff_base, max=60, jitter=self.backoff_base),
            retry=retry_if_exception(is_transient),
            before_sleep=_log_retry,
            reraise=True,
        )


def open_tz_cache() -> None:
    """Open yfinance's SQLite timezone cache in this thread: its first open is racy across threads."""
    yf_cache.get_tz_cache().lookup("")


def failure_reason(exc: BaseException) -> str:
    """The reason stored with a failed symbol, from the exception yfinance raised."""
    status = _http_status(exc)
    if isinstance(exc, YFRateLimitError) or status == 429:
        return RATE_LIMITED
    if isinstance(exc, _TIMEOUT_ERRORS):
        return TIMEOUT
    if isinstance(exc, YFTickerMissingError) or status == 404:
        return NO_DATA
    if isinstance(exc, _CONNECTION_ERRORS):
        return UNREACHABLE
    return f"error: {type(exc).__name__}: {exc}"


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt later: rate limits, timeouts, dropped connections."""
    return failure_reason(exc) in TRANSIENT


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status carried by an HTTPError of either backend, if any."""
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def frame_to_bars(frame: pd.DataFrame, symbol: str, tz: str | None) -> pd.DataFrame:
    """yfinance's OHLC frame (history or download shape) as BAR_COLUMNS; NaN closes dropped."""
    frame = _single_symbol(frame, symbol)
    if frame.empty:
        return empty_bars()
    priced = frame.dropna(subset=["Close"])
    bars = pd.DataFrame(
        {
            "symbol": symbol,
            "date": trading_dates(priced.index, tz),
            **_ohlcv(priced),
            "adj_close": priced["Adj Close"].to_numpy(dtype=float),
        },
        columns=BAR_COLUMNS,
    )
    return bars.drop_duplicates(subset=["date"], keep="last").reset_index(drop=True)


def _ohlcv(priced: pd.DataFrame) -> dict[str, np.ndarray]:
    """yfinance's price columns as our arrays, for daily bars and minute bars alike."""
    return {
        "open": priced["Open"].to_numpy(dtype=float),
        "high": priced["High"].to_numpy(dtype=float),
        "low": priced["Low"].to_numpy(dtype=float),
        "close": priced["Close"].to_numpy(dtype=float),
        "volume": priced["Volume"].fillna(0).to_numpy(dtype="int64"),
    }


def frame_to_minutes(frame: pd.DataFrame) -> pd.DataFrame:
    """yfinance's 1m frame (exchange-local index) as MINUTE_COLUMNS stamped in UTC; NaN closes dropped."""
    if frame.empty:
        return empty_minutes()
    priced = frame.dropna(subset=["Close"])
    stamps = pd.DatetimeIndex(priced.index)
    stamps = stamps.tz_localize(UTC) if stamps.tz is None else stamps.tz_convert(UTC)
    bars = pd.DataFrame(
        {
            "minute": [t.to_pydatetime().replace(second=0, microsecond=0) for t in stamps],
            **_ohlcv(priced),
        },
        columns=MINUTE_COLUMNS,
    )
    return bars.drop_duplicates(subset=["minute"], keep="last").reset_index(drop=True)


def frame_to_actions(frame: pd.DataFrame, symbol: str, tz: str | None) -> pd.DataFrame:
    """Splits (ratio) and dividends (amount) from yfinance's action columns."""
    frame = _single_symbol(frame, symbol)
    parts = []
    for column, kind in (("Stock Splits", "split"), ("Dividends", "dividend")):
        if column not in frame.columns:
            continue
        values = frame[column].fillna(0)
        hits = values[values != 0]
        parts.append(
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "date": trading_dates(hits.index, tz),
                    "kind": kind,
                    "value": hits.to_numpy(dtype=float),
                },
                columns=ACTION_COLUMNS,
            )
        )
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else empty_actions()


def trading_dates(index: pd.Index, tz: str | None) -> list[date]:
    """Exchange-local dates: a UTC 23:00 Sydney bar is the next day; naive means already local."""
    stamps = pd.DatetimeIndex(index)
    if stamps.tz is not None and tz:
        stamps = stamps.tz_convert(tz)
    return list(stamps.date)


def _single_symbol(frame: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """One symbol's columns from a yf.download (Price, Ticker) MultiIndex frame, else as is."""
    if not isinstance(frame.columns, pd.MultiIndex):
        return frame
    level = "Ticker" if "Ticker" in frame.columns.names else 1
    return frame.xs(symbol, axis=1, level=level).dropna(how="all")


def _unique_upper(symbols: Sequence[str]) -> list[str]:
    """Yahoo symbols are upper case; asking twice for one would double the load."""
    return list(dict.fromkeys(s.strip().upper() for s in symbols if s and s.strip()))


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _breaker_reason(results: list[_SymbolResult]) -> str | None:
    """A chunk in which every symbol failed transiently means Yahoo is refusing us: stop asking."""
    reasons = [r.failure for r in results]
    if results and all(r in TRANSIENT for r in reasons):
        return Counter(reasons).most_common(1)[0][0]
    return None


def _is_transient_reason(reason: str) -> bool:
    return reason.split(" (")[0] in TRANSIENT


def _assemble(results: list[_SymbolResult]) -> FetchResult:
    """One FetchResult; ProviderError if every symbol failed for a transient reason."""
    failures = {r.symbol: r.failure for r in results if r.failure}
    if results and len(failures) == len(results) and all(_is_transient_reason(f) for f in failures.values()):
        summary = ", ".join(f"{n} {reason}" for reason, n in Counter(failures.values()).items())
        raise ProviderError(f"Yahoo failed for all {len(results)} symbols: {summary}")
    bars = [r.bars for r in results if not r.bars.empty]
    actions = [r.actions for r in results if not r.actions.empty]
    return FetchResult(
        bars=pd.concat(bars, ignore_index=True) if bars else empty_bars(),
        failures=failures,
        actions=pd.concat(actions, ignore_index=True) if actions else empty_actions(),
    )


def _log_chunk(number: int, total: int, results: list[_SymbolResult], seconds: float) -> None:
    failed = Counter(r.failure for r in results if r.failure)
    rows = sum(len(r.bars) for r in results)
    log.info(
        "yahoo chunk %d/%d: %d symbols, %d ok, %d failed %s, %d bars in %.1fs",
        number,
        total,
        len(results),
        len(results) - sum(failed.values()),
        sum(failed.values()),
        dict(failed) if failed else "",
        rows,
        seconds,
    )


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    symbol = state.args[0] if state.args else "?"
    log.info(
        "yahoo %s: %s, attempt %d, retrying in %.1fs",
        symbol,
        failure_reason(exc) if exc else "?",
        state.attempt_number,
        state.next_action.sleep if state.next_action else 0.0,
    )


def reachable(timeout: float = 3.0, url: str = REACHABLE_URL) -> bool:
    """Whether Yahoo answers at all (any HTTP status); False on connection errors or timeouts."""
    try:
        curl_requests.get(url, timeout=timeout, impersonate="chrome")
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if netlog.first_time(f"yahoo unreachable: {reason}"):
            log.info("yahoo unreachable: %s", reason)
        else:
            log.debug("yahoo unreachable (said already): %s", reason)
        return False
    return True
