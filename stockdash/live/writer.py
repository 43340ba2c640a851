"""Buffer quotes and write them about once a second, in one transaction: latest quotes, minute bars, status.

Not a row per frame: 50 symbols at a frame a second each is one small transaction a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stockdash.calendar import NEW_YORK
from stockdash.db import is_postgres, utc
from stockdash.live.bars import BarBuilder, stored_bar
from stockdash.live.frames import Quote
from stockdash.schema import intraday_bars, live_quotes, live_status

log = logging.getLogger("stockdash.live")

STATUS_ID = 1
RATE_WINDOW_SECONDS = 60.0
BAR_SLICE = 1000
MEMORY_DAYS = 2  # minutes kept in memory to fix late frames; older ones stay stored only


def _insert(conn: Connection) -> Any:
    return pg_insert if is_postgres(conn) else sqlite_insert


@dataclass
class State:
    """What the live ingest is doing, for the status row."""

    state: str = "stopped"
    source: str = ""
    symbols: tuple[str, ...] = ()
    message: str = ""


class Writer:
    """Collects quotes from any thread; `flush()` writes them (call it from one thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.state = State()
        self._lock = threading.Lock()
        self._buffer: list[Quote] = []
        self._builder = BarBuilder()
        self._last_frame_at: datetime | None = None
        self._recent: deque[tuple[float, int]] = deque()
        self.frames_total = 0
        self.flushes = 0
        # Called with every quote as it arrives (the clock's alert checker); each must only queue it.
        self.listeners: list[Callable[[Quote], None]] = []

    def put(self, quote: Quote) -> None:
        with self._lock:
            self._buffer.append(quote)
            self._last_frame_at = datetime.now(UTC)
        for listener in self.listeners:
            listener(quote)

    def set_state(
        self, state: str, *, source: str | None = None, message: str = "", symbols: list[str] | None = None
    ) -> None:
        with self._lock:
            self.state = State(
                state=state,
                source=self.state.source if source is None else source,
                symbols=self.state.symbols if symbols is None else tuple(symbols),
                message=message,
            )

    def frames_per_minute(self) -> float:
        now = time.monotonic()
        while self._recent and now - self._recent[0][0] > RATE_WINDOW_SECONDS:
            self._recent.popleft()
        return float(sum(n for _, n in self._recent))

    def flush(self) -> int:
        """Write what is buffered (and the status row) in one transaction; returns quotes written."""
        with self._lock:
            quotes, self._buffer = self._buffer, []
            state, last_frame_at = self.state, self._last_frame_at
        started = time.monotonic()
        self._recent.append((started, len(quotes)))
        try:
            with self.engine.begin() as conn:
                self._warm_up(conn, quotes)
                for quote in quotes:
                    self._builder.add(quote)
                bars = self._builder.take_dirty()
                _upsert_quotes(conn, latest_of(quotes))
                _upsert_bars(conn, bars)
                _write_status(conn, state, last_frame_at, self.frames_per_minute())
        except Exception:
            with self._lock:  # keep them for the next try: a frame is never dropped for a hiccup
                self._buffer[:0] = quotes
            raise
        self.frames_total += len(quotes)
        self.flushes += 1
        if quotes:
            log.debug(
                "live flush quotes=%d bars=%d seconds=%.3f",
                len(quotes),
                len(bars),
                time.monotonic() - started,
            )
        return len(quotes)

    def _warm_up(self, conn: Connection, quotes: list[Quote]) -> None:
        """Load today's stored bars of symbols first seen, so volumes continue across a restart."""
        earliest: dict[str, datetime] = {}
        for q in quotes:
            if not self._builder.known(q.symbol):
                earliest[q.symbol] = min(earliest.get(q.symbol, q.time), q.time)
        for symbol, first in earliest.items():
            day_start = datetime.combine(first.astimezone(NEW_YORK).date(), datetime.min.time(), NEW_YORK)
            rows = conn.execute(
                select(intraday_bars)
                .where(intraday_bars.c.symbol == symbol, intraday_bars.c.minute >= day_start.astimezone(UTC))
                .order_by(intraday_bars.c.minute)
            )
            for r in rows:
                minute = utc(r.minute)
                bar = stored_bar(
                    minute=minute, open=r.open, high=r.high, low=r.low, close=r.close, day_volume=r.day_volume
                )
                self._builder.seed(symbol, minute, bar)

    def prune(self, *, keep_days: int, now: datetime | None = None) -> int:
        """Delete minute bars older than `keep_days`; forget old minutes held in memory."""
        now = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            deleted = prune_bars(conn, keep_days=keep_days, now=now)
        self._builder.forget_before(now - timedelta(days=MEMORY_DAYS))
        return deleted


def latest_of(quotes: list[Quote]) -> list[Quote]:
    """Each symbol's latest quote: greatest time; on a tie, the one that arrived later."""
    latest: dict[str, Quote] = {}
    for quote in quotes:
        held = latest.get(quote.symbol)
        if held is None or quote.time >= held.time:
            latest[quote.symbol] = quote
    return list(latest.values())


def _upsert_quotes(conn: Connection, quotes: list[Quote]) -> None:
    if not quotes:
        return
    insert = _insert(conn)
    stmt = insert(live_quotes).values(
        [
            {
                "symbol": q.symbol,
                "time": q.time,
                "price": q.price,
                "change": q.change,
                "pct_change": q.pct_change,
                "day_volume": q.day_volume,
                "session": q.session,
                "source": q.source,
            }
            for q in quotes
        ]
    )
    columns = ("time", "price", "change", "pct_change", "day_volume", "session", "source")
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[live_quotes.c.symbol],
            set_={c: stmt.excluded[c] for c in columns},
            # A flush is later than any before it, so an equal time replaces (later arrival wins).
            where=stmt.excluded.time >= live_quotes.c.time,
        )
    )


def _upsert_bars(conn: Connection, bars: Any) -> None:
    insert = _insert(conn)
    columns = ("open", "high", "low", "close", "volume", "day_volume")
    # In slices: a backlog after a database outage must stay under SQLite's bound-parameter limit.
    for start in range(0, len(bars), BAR_SLICE):
        stmt = insert(intraday_bars).values(
            [
                {
                    "symbol": symbol,
                    "minute": minute,
                    "open": bar.open,
                    "high": bar.high,
                    "low": bar.low,
                    "close": bar.close,
                    "volume": bar.volume,
                    "day_volume": bar.dv_max,
                }
                for symbol, minute, bar in bars[start : start + BAR_SLICE]
            ]
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[intraday_bars.c.symbol, intraday_bars.c.minute],
                set_={c: stmt.excluded[c] for c in columns},
            )
        )


def _write_status(conn: Connection, state: State, last_frame_at: datetime | None, rate: float) -> None:
    values = {
        "state": state.state,
        "source": state.source,
        "symbols": ",".join(state.symbols),
        "last_frame_at": last_frame_at,
        "frames_per_minute": rate,
        "updated_at": datetime.now(UTC),
        "message": state.message[:500],
    }
    stmt = _insert(conn)(live_status).values(id=STATUS_ID, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=[live_status.c.id], set_=values))


def prune_bars(conn: Connection, *, keep_days: int, now: datetime) -> int:
    cutoff = now - timedelta(days=keep_days)
    return conn.execute(intraday_bars.delete().where(and_(intraday_bars.c.minute < cutoff))).rowcount


def read_status(conn: Connection) -> dict | None:
    row = conn.execute(select(live_status).where(live_status.c.id == STATUS_ID)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    for key in ("last_frame_at", "updated_at"):
        if out[key] is not None:
            out[key] = utc(out[key])
    return out
