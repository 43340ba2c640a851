"""The latest quotes of some symbols and why any of them is not live: one answer for the live API
(web/api/live.py renders it as JSON) and the live view on the page (which reads it as it is).

The rows come from a process's shared snapshot (one read a second, see shared_reads); asking for
a symbol that is not live records it as wanted, at a bounded rate, for the clock to pick up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from stockdash.live import liveset
from stockdash.live.hours import streams_from
from stockdash.live.shared_reads import LiveQuote, Market, Snapshot

MESSAGES = {
    "pending": "not live yet: the stream picks it up within a few seconds",
    "full": liveset.FULL,
    "busy": "too many new symbols asked at once; ask again in a moment",
}


class NotLive(NamedTuple):
    symbol: str
    status: str  # pending | full | busy
    message: str


@dataclass(frozen=True)
class Latest:
    """The answer for some symbols: their quotes (in the order asked) and why others are not live."""

    quotes: dict[str, LiveQuote]
    market: Market | None  # None only in the empty answer (no symbols, or no database)
    not_live: dict[str, NotLive]

    @property
    def is_demo(self) -> bool:
        return any(q.source == "demo" for q in self.quotes.values())


class LiveSource(Protocol):
    """What `latest` reads: a process's shared snapshot and its rate-bounded wants."""

    def snapshot(self) -> Snapshot: ...

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
    found: dict[str, LiveQuote] = {}
    status: dict[str, str] = {}
    for symbol in symbols:
        if symbol in snap.quotes:  # a symbol no longer live keeps its last quote, marked below
            found[symbol] = snap.quotes[symbol]
        answer = snap.live.answer_for(symbol)
        if answer != "live" or symbol not in snap.quotes:
            status[symbol] = "pending" if answer == "live" else answer
    served = set(watchlist)
    asked = [s for s in symbols if s not in served and status.get(s) != "full"]
    for symbol in source.want(asked):
        if status.get(symbol) == "pending" and symbol not in snap.live.symbols:
            status[symbol] = "busy"
    return Latest(
        quotes=found,
        market=snap.market,
        not_live={s: NotLive(s, st, message(st, s, now)) for s, st in status.items()},
    )
