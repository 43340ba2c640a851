"""The live data every viewer of a web process shares: one database read per key per second or so.

At expiry one thread reads and the others wait for its answer (single flight), so database
reads per second depend on the number of distinct keys, never on the number of viewers. A symbol
asked for that is not live is recorded as wanted (at most once a minute per symbol per process)
for the clock to pick up; the web never calls the provider and never opens a stream. The rows are
typed; the web turns them into JSON (web/api/live.py) or the live view.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine, Row, select

from stockdash.config import Settings
from stockdash.db import utc
from stockdash.live import liveset
from stockdash.live.hours import next_open, session_at
from stockdash.schema import intraday_bars, live_quotes

MAX_KEYS = 2000
WANT_EVERY_SECONDS = 60.0  # a viewed symbol's want is refreshed this often per process
WANTS_PER_SECOND = 5  # new wants a process writes at most, whatever visitors ask


class SharedReads:
    """A per-process read cache: one load per key per `ttl` seconds, whoever asks."""

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self.reads = 0  # loads done, for tests and the benchmark
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        """The cached value of `key`, loading it when older than `ttl` (once, whoever asks)."""
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock_for(key):
            hit = self._fresh(key)
            if hit is not None:
                return hit[1]
            value = load()
            with self._guard:
                self.reads += 1
                if len(self._entries) >= MAX_KEYS:
                    self._evict()
                self._entries[key] = (time.monotonic(), value)
            return value

    def _fresh(self, key: Any) -> tuple[float, Any] | None:
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return entry
        return None

    def _lock_for(self, key: Any) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _evict(self) -> None:
        """Drop expired entries (and their locks); called with the guard held."""
        now = time.monotonic()
        for key in [k for k, (at, _) in self._entries.items() if now - at >= self.ttl]:
            del self._entries[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]


class LiveQuote(NamedTuple):
    """A symbol's latest stored quote, as the clock's live writer left it."""

    symbol: str
    price: float
    change: float | None
    pct_change: float | None
    time: datetime  # UTC
    session: str  # pre | regular | post
    day_volume: int | None
    source: str  # stream | poll | demo

    @property
    def previous_close(self) -> float | None:
        """The close the day's change is measured against, as the quote itself says."""
        return None if self.change is None else self.price - self.change


class MinuteBar(NamedTuple):
    """One stored minute bar (intraday_bars' row without the stream's day volume), `minute` in UTC:
    what the live view, the 1D/5D chart and /api/intraday draw or answer."""

    symbol: str
    minute: datetime  # the minute's start, UTC
    open: float
    high: float
    low: float
    close: float
    volume: int | None

    @classmethod
    def of(cls, row: Row[Any]) -> MinuteBar:
        """The bar of an intraday_bars row (its minute made UTC: SQLite hands it back naive)."""
        return cls(row.symbol, utc(row.minute), row.open, row.high, row.low, row.close, row.volume)


class Market(NamedTuple):
    session: str  # as hours.session_at says: pre | regular | post | closed
    next_open: datetime  # UTC


class Snapshot(NamedTuple):
    """Everything the live quotes are answered from, read once a second per process."""

    quotes: dict[str, LiveQuote]
    live: liveset.LiveSet
    market: Market


class LiveReads:
    """The shared snapshots and the rate-bounded wants of one web process."""

    def __init__(self, engine: Callable[[], Engine], settings: Settings, *, ttl: float = 1.0) -> None:
        self.engine = engine
        self.settings = settings
        self.cache = SharedReads(ttl)
        self._wanted_at: dict[str, float] = {}
        self._budget = (0, 0)  # (second, wants written in it)
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        snap: Snapshot = self.cache.get("quotes", self._load_snapshot)
        return snap

    def _load_snapshot(self) -> Snapshot:
        now = datetime.now(UTC)
        with self.engine().connect() as conn:
            quotes = {r.symbol: _quote(r) for r in conn.execute(select(live_quotes))}
            found = liveset.read(conn, self.settings, now=now)
        return Snapshot(quotes, found, Market(session_at(now), utc(next_open(now))))

    def bars(self, symbol: str, since: datetime) -> list[MinuteBar]:
        """Minute bars after `since`: a day's worth per symbol is read once a second and shared."""
        floor = since.replace(hour=0, minute=0, second=0, microsecond=0)
        key = ("bars", symbol, floor)
        rows: list[MinuteBar] = self.cache.get(key, lambda: self._load_bars(symbol, floor))
        return [r for r in rows if r.minute > since]

    def _load_bars(self, symbol: str, floor: datetime) -> list[MinuteBar]:
        query = (
            select(intraday_bars)
            .where(intraday_bars.c.symbol == symbol, intraday_bars.c.minute >= floor)
            .order_by(intraday_bars.c.minute)
        )
        with self.engine().connect() as conn:
            return [MinuteBar.of(r) for r in conn.execute(query)]

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


def _quote(row: Row[Any]) -> LiveQuote:
    return LiveQuote(
        symbol=row.symbol,
        price=row.price,
        change=row.change,
        pct_change=row.pct_change,
        time=utc(row.time),
        session=row.session,
        day_volume=row.day_volume,
        source=row.source,
    )
