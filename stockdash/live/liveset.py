"""The live set: the watchlist, then what visitors asked for lately (first come), up to the cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stockdash.config import Settings
from stockdash.db import is_postgres
from stockdash.schema import live_wanted

FULL = "live slots are full"
# Rows of live_wanted kept at most, whatever visitors ask: the live set takes a few dozen of them,
# the rest only wait their turn, so a flood of asks for new symbols cannot grow the table.
MAX_WANTED = 1000


@dataclass(frozen=True)
class LiveSet:
    symbols: list[str]  # in priority order, at most `cap`
    cap: int
    refused: list[str]  # wanted but beyond the cap
    polled: list[str] = field(default_factory=list)  # alert rules' symbols beyond the cap: polled instead

    @property
    def full(self) -> bool:
        return len(self.symbols) >= self.cap

    def answer_for(self, symbol: str) -> str:
        """`live`, or why a symbol is not live: `full`, or `pending` (the clock picks it up shortly)."""
        if symbol in self.symbols:
            return "live"
        return "full" if self.full else "pending"


def resolve(watchlist: list[str], wanted: list[str], *, cap: int, alerts: list[str] | None = None) -> LiveSet:
    """The live set from the watchlist, the owner's alert symbols and the wanted symbols (already
    in first-come order). An alert symbol beyond the cap is polled: a rule never watches nothing."""
    ordered = list(dict.fromkeys([*watchlist, *(alerts or []), *wanted]))
    beyond = ordered[cap:]
    polled = [s for s in beyond if s in set(alerts or [])]
    return LiveSet(
        symbols=ordered[:cap], cap=cap, refused=[s for s in beyond if s not in polled], polled=polled
    )


def wanted_symbols(conn: Connection, *, now: datetime, minutes: int) -> list[str]:
    """Symbols asked for in the last `minutes`, first come first."""
    since = now - timedelta(minutes=minutes)
    rows = conn.execute(
        select(live_wanted.c.symbol)
        .where(live_wanted.c.wanted_at >= since)
        .order_by(live_wanted.c.since, live_wanted.c.symbol)
    )
    return [r[0] for r in rows]


def read(conn: Connection, settings: Settings, *, now: datetime) -> LiveSet:
    """The live set now: WATCHLIST, the alert rules' symbols, then what visitors wanted in
    LIVE_WANT_MINUTES, up to the cap."""
    from stockdash.alerts.rules import intraday_symbols

    wanted = wanted_symbols(conn, now=now, minutes=settings.live_want_minutes)
    alerts = intraday_symbols(conn)
    return resolve(settings.watchlist_symbols, wanted, cap=settings.live_max_symbols, alerts=alerts)


def want(conn: Connection, symbols: list[str], *, now: datetime, minutes: int) -> None:
    """Record that visitors want `symbols` live; a lapsed want starts a new place in the queue."""
    if not symbols:
        return
    insert = pg_insert if is_postgres(conn) else sqlite_insert
    stmt = insert(live_wanted).values([{"symbol": s, "since": now, "wanted_at": now} for s in symbols])
    lapsed = live_wanted.c.wanted_at < now - timedelta(minutes=minutes)

    stmt = stmt.on_conflict_do_update(
        index_elements=[live_wanted.c.symbol],
        set_={
            "wanted_at": stmt.excluded.wanted_at,
            "since": case((lapsed, stmt.excluded.since), else_=live_wanted.c.since),
        },
    )
    conn.execute(stmt)
    _trim(conn, now=now, minutes=minutes)


def _trim(conn: Connection, *, now: datetime, minutes: int) -> None:
    """Keep the first MAX_WANTED rows in live-set order (current wants first come, then lapsed ones)."""
    if conn.execute(select(func.count()).select_from(live_wanted)).scalar_one() <= MAX_WANTED:
        return
    current = live_wanted.c.wanted_at >= now - timedelta(minutes=minutes)
    kept = (
        select(live_wanted.c.symbol)
        .order_by(case((current, 0), else_=1), live_wanted.c.since, live_wanted.c.symbol)
        .limit(MAX_WANTED)
    )
    conn.execute(live_wanted.delete().where(live_wanted.c.symbol.not_in(kept.scalar_subquery())))


def prune_wanted(conn: Connection, *, now: datetime, minutes: int) -> int:
    """Forget wants that lapsed long ago (a day past the window)."""
    cutoff = now - timedelta(minutes=minutes) - timedelta(days=1)
    return conn.execute(live_wanted.delete().where(live_wanted.c.wanted_at < cutoff)).rowcount
