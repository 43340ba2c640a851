"""Fallback quotes while the stream is down: the live set polled through yfinance, a batch at a time.

Each symbol is one chart request (`Ticker.history`, 1-minute bars with pre/post): its metadata
carries the regular-market price, time, volume and the previous close, and its last minute bar
the latest pre/post-market price. yfinance's own request and parsing code does the work.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import yfinance as yf
from yfinance.exceptions import YFPricesMissingError

from stockdash.live.frames import Quote
from stockdash.live.hours import session_at, trades_around_the_clock
from stockdash.providers.yahoo import open_tz_cache

log = logging.getLogger("stockdash.live")

THREADS = 4


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def quote_from_chart(symbol: str, frame: pd.DataFrame, meta: dict) -> Quote | None:
    """The latest quote in one chart answer: its last minute bar, or the regular-market price."""
    price = _finite(meta.get("regularMarketPrice"))
    stamp = meta.get("regularMarketTime")
    moment = _to_utc(stamp) if stamp is not None else None
    closes = frame["Close"].dropna() if "Close" in frame else pd.Series(dtype=float)
    if not closes.empty:
        last_at = pd.Timestamp(closes.index[-1]).tz_convert("UTC").to_pydatetime()
        if moment is None or last_at > moment:
            price, moment = float(closes.iloc[-1]), last_at
    if price is None or moment is None or price <= 0:
        return None
    previous = _finite(meta.get("previousClose")) or _finite(meta.get("chartPreviousClose"))
    change = price - previous if previous else None
    volume = _finite(meta.get("regularMarketVolume"))
    session = session_at(moment)
    if session == "closed":
        session = "regular" if trades_around_the_clock(symbol) else "post"
    return Quote(
        symbol=symbol,
        time=moment,
        price=price,
        change=change,
        pct_change=change / previous * 100 if change is not None and previous else None,
        day_volume=int(volume) if volume is not None else None,
        session=session,
        source="poll",
    )


def _to_utc(stamp: Any) -> datetime | None:
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, UTC)
    try:
        return pd.Timestamp(stamp).tz_convert("UTC").to_pydatetime()
    except (TypeError, ValueError):
        return None


def poll_one(symbol: str, *, timeout: float, session: Any = None) -> Quote | None:
    """One symbol's latest quote; None (logged) when Yahoo has nothing or fails."""
    ticker = yf.Ticker(symbol, session=session)
    try:
        try:
            frame = ticker.history(
                period="1d", interval="1m", prepost=True, auto_adjust=False, timeout=timeout
            )
        except YFPricesMissingError:
            # The Yahoo provider turns yfinance's hide_exceptions off for the whole process, and
            # then an answer with no minute bars yet (overnight, before the pre-market) raises;
            # its meta still holds the last regular price.
            frame = pd.DataFrame()
        meta = ticker.history_metadata or {}
    except Exception as exc:  # one symbol's failure must not sink the batch
        log.info("live poll %s failed: %s: %s", symbol, type(exc).__name__, str(exc)[:120])
        return None
    return quote_from_chart(symbol, frame, meta)


def poll_quotes(symbols: Sequence[str], *, timeout: float = 10.0, session: Any = None) -> list[Quote]:
    """Quotes for `symbols`, a few requests in parallel; symbols that fail are left out."""
    open_tz_cache()
    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="live-poll") as pool:
        quotes = list(pool.map(lambda s: poll_one(s, timeout=timeout, session=session), symbols))
    found = [q for q in quotes if q is not None]
    log.info("live poll: %d of %d symbols answered", len(found), len(symbols))
    return found
