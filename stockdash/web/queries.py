"""Data access for the UI and the API: database first, the provider (with a time budget) second.

Callbacks and routes call these with a `Services`; nothing here builds figures or HTML.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

import pandas as pd
from sqlalchemy import Engine, select

from stockdash import calendar, jobs, runlog, store
from stockdash import movers as movers_mod
from stockdash.config import Settings
from stockdash.providers import get_provider, resolve_provider_name
from stockdash.providers.base import Provider, ProviderError
from stockdash.schema import securities
from stockdash.universe import catalogue
from stockdash.web import health

log = logging.getLogger("stockdash.web")

# Heroku's router cuts a request at 30 s: a provider fetch gets a few seconds, then the
# callback shows what is stored (the fetch carries on in the background and stores its bars).
REFRESH_BUDGET_SECONDS = 6.0
# After a failed fetch, the same symbol is not asked again for this long (no retry storm).
RETRY_AFTER_SECONDS = 600.0
# Sessions loaded before the visible window, so SMA 200 and the 52-week band start filled.
WARMUP_SESSIONS = 260
CACHE_SECONDS = 300.0

PERIODS = ["1M", "3M", "6M", "YTD", "1Y", "5Y", "Max"]
DEFAULT_PERIOD = "1Y"


@dataclass
class Services:
    """What the web needs from the outside world, made lazily in each (forked) worker."""

    settings: Settings
    provider_override: Provider | None = None
    # When each symbol was last sent to the provider, whatever came of it: a symbol is asked at
    # most once per RETRY_AFTER_SECONDS, so a slow, failing or lagging provider costs one wait.
    _asked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def provider_name(self) -> str:
        return resolve_provider_name(self.settings)

    @property
    def database_url(self) -> str:
        return self.settings.database_url_for(self.provider_name)

    @property
    def engine(self) -> Engine:
        return health.web_engine(self.database_url)

    @cached_property
    def provider(self) -> Provider:
        return self.provider_override or get_provider(self.settings)

    @cached_property
    def _executor(self) -> ThreadPoolExecutor:
        # Made on first use, so a worker forked after preload gets its own threads.
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="refresh")


# --- small caches ------------------------------------------------------------------------------


class TTLCache:
    """A tiny thread-safe LRU with expiry; values are recomputed after `seconds`."""

    def __init__(self, maxsize: int = 256, seconds: float = CACHE_SECONDS) -> None:
        self.maxsize, self.seconds = maxsize, seconds
        self._data: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            hit = self._data.get(key)
            if hit is None or hit[0] < time.monotonic():
                self._data.pop(key, None)
                return None
            self._data[key] = self._data.pop(key)  # most recently used last
            return hit[1]

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + self.seconds, value)
            while len(self._data) > self.maxsize:
                self._data.pop(next(iter(self._data)))

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_movers_cache = TTLCache(maxsize=64)


# --- freshness ---------------------------------------------------------------------------------


@dataclass
class Freshness:
    provider: str | None  # whose data the database holds: demo, yahoo, None (empty)
    last_pull: datetime | None
    latest_bar: date | None
    error: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.provider == "demo"


def freshness(services: Services) -> Freshness:
    """Whose data is shown, when the last pull succeeded and the newest stored session."""
    engine = services.engine
    with engine.connect() as conn:
        provider = store.dataset_provider(conn)
        latest = store.latest_date(conn)
    pulled = runlog.last_success(engine, jobs.UNIVERSE_PULL, jobs.SYMBOLS_PULL)
    finished = pulled["finished_at"] if pulled else None
    if finished is not None and finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return Freshness(provider=provider, last_pull=finished, latest_bar=latest)


# --- one symbol's bars ---------------------------------------------------------------------------


@dataclass
class SymbolData:
    symbol: str
    name: str
    bars: pd.DataFrame  # date, open, high, low, close, adj_close, volume (dates as Timestamp)
    notice: str | None = None  # shown above the chart: stored bars are old, and why
    error: str | None = None  # nothing to show, in plain words

    @property
    def last_date(self) -> date | None:
        return None if self.bars.empty else self.bars["date"].iloc[-1].date()


def security_name(conn, symbol: str) -> str:
    cat = catalogue()
    if symbol in cat.index:
        return str(cat.at[symbol, "name"]) or symbol
    name = conn.execute(select(securities.c.name).where(securities.c.symbol == symbol)).scalar()
    return name or symbol


def is_stale(last: date | None, *, settings: Settings, now: datetime | None = None) -> bool:
    """Missing bars, or a newer session has closed and the last bar is older than STALE_AFTER_HOURS."""
    if last is None:
        return True
    now = now or datetime.now(UTC)
    if last >= calendar.last_closed_session(now):
        return False
    age = now - calendar.close_time(last)
    return age > timedelta(hours=settings.stale_after_hours)


def _refresh_allowed(services: Services, dataset: str | None) -> bool:
    """Never mix demo and real bars, and never be the one to decide what an empty database holds
    on a guess: with PROVIDER=auto that is the clock's first pull."""
    if dataset is None:
        return services.settings.provider != "auto"
    return dataset == services.provider.name


def _claim_ask(services: Services, symbol: str) -> bool:
    """True (and noted) when `symbol` was not sent to the provider within RETRY_AFTER_SECONDS."""
    now = time.monotonic()
    with services._lock:
        asked = services._asked.get(symbol)
        if asked is not None and now - asked < RETRY_AFTER_SECONDS:
            return False
        services._asked[symbol] = now
    return True


def _refresh_one(services: Services, symbol: str) -> str | None:
    """Fetch and store a symbol's missing bars; the failure reason, or None when it worked."""
    try:
        result = jobs.refresh_symbol(services.engine, services.provider, services.settings, symbol)
    except ProviderError as exc:
        reason = f"the price provider did not answer ({runlog.error_text(exc)})"
    except Exception as exc:  # a failed fetch must never sink the page
        log.warning("web refresh symbol=%s failed: %s", symbol, runlog.error_text(exc))
        reason = "fetching fresh prices failed"
    else:
        if symbol not in result.failures:
            return None
        reason = f"the provider has no prices for {symbol} ({result.failures[symbol]})"
    return reason


def refresh(services: Services, symbols: list[str], *, budget: float = REFRESH_BUDGET_SECONDS) -> dict:
    """Bring stale symbols up to date within `budget` seconds; {symbol: failure reason}."""
    with services.engine.connect() as conn:
        last = store.last_dates(conn, symbols)
        dataset = store.dataset_provider(conn)
    if not _refresh_allowed(services, dataset):
        return {}
    todo = [
        s for s in symbols if is_stale(last.get(s), settings=services.settings) and _claim_ask(services, s)
    ]
    if not todo:
        return {}
    futures = {s: services._executor.submit(_refresh_one, services, s) for s in todo}
    deadline = time.monotonic() + budget
    reasons = {}
    for symbol, future in futures.items():
        try:
            reason = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            reason = f"the price provider is slow to answer (no reply within {budget:.0f} s)"
        if reason:
            reasons[symbol] = reason
    return reasons


def read_bars(conn, symbol: str, *, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Stored bars with datetime64 dates, which the figure builders slice and plot."""
    frame = store.load_bars(conn, symbol, start=start, end=end)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def load_symbol(
    services: Services, symbol: str, *, start: date | None = None, end: date | None = None, reason: str | None
) -> SymbolData:
    """Stored bars of `symbol` (from `start`), with a notice when they are old or an error when none."""
    with services.engine.connect() as conn:
        frame = read_bars(conn, symbol, start=start, end=end)
        name = security_name(conn, symbol)
    data = SymbolData(symbol=symbol, name=name, bars=frame)
    if frame.empty:
        if start or end:
            with services.engine.connect() as conn:
                anything = store.last_dates(conn, [symbol]).get(symbol)
            if anything:
                data.error = (
                    f"No prices for {symbol} in the chosen dates; it has prices up to {anything:%d %b %Y}."
                )
                return data
        data.error = f"No prices for {symbol}" + (f": {reason}." if reason else ".")
        return data
    if reason or is_stale(data.last_date, settings=services.settings):
        why = f" — {reason}" if reason else ""
        data.notice = f"Showing stored prices as of {data.last_date:%d %b %Y}{why}."
    return data


def symbol_last_dates(services: Services, symbols: list[str]) -> dict[str, date]:
    with services.engine.connect() as conn:
        return store.last_dates(conn, symbols)


# --- periods -----------------------------------------------------------------------------------


def period_start(period: str, last: date) -> date | None:
    """First calendar day of `period` ending at `last`; None for Max."""
    ts = pd.Timestamp(last)
    offsets = {
        "1M": pd.DateOffset(months=1),
        "3M": pd.DateOffset(months=3),
        "6M": pd.DateOffset(months=6),
        "1Y": pd.DateOffset(years=1),
        "5Y": pd.DateOffset(years=5),
    }
    if period == "YTD":
        return date(last.year, 1, 1)
    if period in offsets:
        return (ts - offsets[period]).date() + timedelta(days=1)
    return None


def load_start(visible_start: date | None) -> date | None:
    """Where to start reading so rolling windows (SMA 200, 52 weeks) are full on the first visible day."""
    if visible_start is None:
        return None
    return visible_start - timedelta(days=int(WARMUP_SESSIONS * 7 / 5) + 10)


# --- movers ------------------------------------------------------------------------------------


def movers_view(services: Services, *, horizon: str, group: str, as_of: date | None = None) -> dict:
    """The stored snapshot (movers.read) plus the sector map rows; NoData when nothing is stored."""
    with services.engine.connect() as conn:
        snap = movers_mod.read(conn, as_of=as_of, horizon=horizon, group=group)
        day = date.fromisoformat(snap["as_of"])
        key = (services.database_url, day, horizon, group)
        sectors = _movers_cache.get(key)
        if sectors is None:
            sectors = _sector_rows(conn, day, horizon, group)
            _movers_cache.put(key, sectors)
    return {**snap, "sectors": sectors}


def _sector_rows(conn, day: date, horizon: str, group: str) -> pd.DataFrame:
    changes = movers_mod.changes(conn, day, horizon)
    members = movers_mod.group_members(conn, group, changes.index)
    changes = changes.loc[members]
    secs = store.securities_frame(conn)[["name", "sector", "kind"]]
    frame = changes.join(secs, how="left")
    frame["sector"] = frame["sector"].fillna("").replace("", pd.NA)
    frame.loc[frame["kind"] == "etf", "sector"] = frame["sector"].fillna("ETFs")
    frame["sector"] = frame["sector"].fillna("Other")
    frame["name"] = frame["name"].fillna(pd.Series(frame.index, index=frame.index))
    frame["dollar_volume"] = (frame["close"] * frame["volume"].astype("float64")).fillna(0.0)
    return frame.reset_index(names="symbol")
