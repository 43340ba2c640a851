"""The latest quotes of some symbols as typed rows, and why any of them is not live: one answer for
the live API (which renders it as JSON) and the live view on the page (which reads it as it is).

The rows come from a process's shared snapshot (one read a second, see shared_reads); asking for
a symbol that is not live records it as wanted, at a bounded rate, for the clock to pick up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, select

from stockdash.config import Settings
from stockdash.db import utc
from stockdash.live import liveset
from stockdash.live.hours import next_open, session_at, streams_from
from stockdash.schema import live_quotes

MESSAGES = {
    "pending": "not live yet: the stream picks it up within a few seconds",
    "full": liveset.FULL,
    "busy": "too many new symbols asked at once; ask again in a moment",
}


@dataclass(frozen=True)
class LiveQuote:
    """One symbol's latest quote as the stream (or the poll, or the demo walk) stored it."""

    symbol: str
    price: float
    change: float | None  # against the previous close
    pct_change: float | None
    time: datetime  # the quote's own time, UTC
    session: str  # pre | regular | post
    day_volume: int | None
    source: str  # stream | poll | demo

    @property
    def previous_close(self) -> float | None:
        """The close the day's change is measured against, as the quote itself says."""
        return None if self.change is None else self.price - self.change


def quote_of(row: Row[Any]) -> LiveQuote:
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


def read_quotes(conn: Connection) -> dict[str, LiveQuote]:
    """Every stored latest quote by symbol."""
    return {r.symbol: quote_of(r) for r in conn.execute(select(live_quotes))}


def read_snapshot(conn: Connection, settings: Settings, *, now: datetime) -> dict[str, Any]:
    """What a process shares for a second: every latest quote (`rows`, typed), the live set, the
    market session and next open. `quotes` holds the rows as the API serves them, for readers
    not yet on the typed rows (web/chart/intraday.live_price)."""
    rows = read_quotes(conn)
    return {
        "rows": rows,
        "quotes": {s: quote_json(q) for s, q in rows.items()},
        "live": liveset.read(conn, settings, now=now),
        "market": {"session": session_at(now), "next_open": iso(next_open(now))},
    }


@dataclass(frozen=True)
class NotLive:
    symbol: str
    status: str  # pending | full | busy
    message: str


@dataclass(frozen=True)
class Latest:
    """The answer for some symbols: their quotes (in the order asked) and why others are not live."""

    quotes: dict[str, LiveQuote]
    market: dict[str, str]  # {"session", "next_open"} as the snapshot says
    not_live: dict[str, NotLive]

    @property
    def is_demo(self) -> bool:
        return any(q.source == "demo" for q in self.quotes.values())


class LiveSource(Protocol):
    """What `latest` reads: a process's shared snapshot and its rate-bounded wants."""

    def snapshot(self) -> dict[str, Any]: ...

    def want(self, symbols: list[str]) -> set[str]: ...


def message(status: str, symbol: str, now: datetime) -> str:
    """Why `symbol` is not live, in words: a pending stock outside its streaming hours is told
    when its stream opens, not promised a few seconds."""
    opens = streams_from(symbol, now) if status == "pending" else None
    return f"not live yet: {opens}" if opens else MESSAGES[status]


def latest(
    source: LiveSource, watchlist: Sequence[str], symbols: Sequence[str], *, now: datetime | None = None
) -> Latest:
    """The latest quotes of `symbols`, the market session, and why any is not live (recording wants
    for those outside the server's watchlist)."""
    now = now or datetime.now(UTC)
    snap = source.snapshot()
    stored: dict[str, LiveQuote] = snap["rows"]
    live: liveset.LiveSet = snap["live"]
    found: dict[str, LiveQuote] = {}
    status: dict[str, str] = {}
    for symbol in symbols:
        if symbol in stored:  # a symbol no longer live keeps its last quote, marked below
            found[symbol] = stored[symbol]
        answer = live.answer_for(symbol)
        if answer != "live" or symbol not in stored:
            status[symbol] = "pending" if answer == "live" else answer
    served = set(watchlist)
    asked = [s for s in symbols if s not in served and status.get(s) != "full"]
    for symbol in source.want(asked):
        if status.get(symbol) == "pending" and symbol not in live.symbols:
            status[symbol] = "busy"
    return Latest(
        quotes=found,
        market=snap["market"],
        not_live={s: NotLive(s, st, message(st, s, now)) for s, st in status.items()},
    )


def iso(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


def quote_json(quote: LiveQuote) -> dict[str, Any]:
    return {
        "symbol": quote.symbol,
        "price": quote.price,
        "change": quote.change,
        "pct_change": quote.pct_change,
        "time": iso(quote.time),
        "session": quote.session,
        "day_volume": quote.day_volume,
        "source": quote.source,
    }


def latest_json(answer: Latest) -> dict[str, Any]:
    """`latest` as /api/quotes serves it."""
    return {
        "quotes": [quote_json(q) for q in answer.quotes.values()],
        "market": answer.market,
        "not_live": [
            {"symbol": n.symbol, "status": n.status, "message": n.message} for n in answer.not_live.values()
        ],
    }
