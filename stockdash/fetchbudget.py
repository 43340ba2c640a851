"""The provider budget of the whole deployment, kept in the database so every worker and dyno shares it.

The web asks the provider on demand for what a visitor charts. One careless or hostile client
must not make the deployment's IP rate-limited for everyone, so an ask is granted only when
  * the symbol was not asked in the last ASK_AGAIN_AFTER (by any process), nor found unknown
    (never stored, and the provider had nothing for it) in the last UNKNOWN_FOR;
  * fewer than `per_minute` asks were granted in the last minute, all visitors together;
  * fewer than `per_client` of them were granted to this client.
One row per symbol (`provider_asks`) holds all three: its last ask, who caused it, and until when
it is unknown; the rows asked in the last minute are the rate budget. A grant is one statement,
INSERT … SELECT … WHERE <budget left> ON CONFLICT DO UPDATE … WHERE <not asked lately>, so the
symbol's claim is atomic; the counts in its WHERE are exact because claims are serialised: by a
transaction-scoped advisory lock on PostgreSQL, by the write lock a writing statement takes first
on SQLite.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.dml import ReturningInsert

from stockdash.config import Settings
from stockdash.db import is_postgres
from stockdash.errors import error_text
from stockdash.schema import daily_bars, provider_asks

log = logging.getLogger("stockdash.web")

# A symbol is sent to the provider at most once per this long, whatever came of it: a slow,
# failing or lagging provider costs one wait, not one per view.
ASK_AGAIN_AFTER = timedelta(minutes=10)
# A symbol never stored that the provider had nothing for is a made-up or dead ticker.
UNKNOWN_FOR = timedelta(days=1)
WINDOW = timedelta(minutes=1)
# Rows of symbols not asked for this long (and no longer unknown) are pruned by housekeeping.
KEEP = timedelta(days=1)
BUDGET_LOCK = 0x5D_0B0D

BUSY = "too many new tickers are being fetched right now; try again in a minute"
UNKNOWN = "the price provider does not know this ticker (checked within the last day)"


@dataclass(frozen=True)
class Limits:
    per_minute: int  # grants in any minute, all clients together
    per_client: int  # grants in any minute to one client

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(settings.provider_fetches_per_minute, settings.provider_fetches_per_client)


@dataclass
class Claims:
    granted: list[str] = field(default_factory=list)  # ask the provider for these now
    refused: dict[str, str] = field(default_factory=dict)  # symbol: why not, in plain words (unknown, busy)
    recent: list[str] = field(default_factory=list)  # asked lately by someone: nothing to say, nothing to do


def _claim_statement(
    conn: Connection, *, symbol: str, client: str, now: datetime, limits: Limits
) -> ReturningInsert[tuple[str]]:
    """Insert or renew `symbol`'s row when the budget allows and it was not asked lately; returns it."""
    stamp = DateTime(timezone=True)
    minute_ago = bindparam("minute_ago", now - WINDOW, type_=stamp)
    in_window = select(func.count()).select_from(provider_asks).where(provider_asks.c.asked_at > minute_ago)
    who = bindparam("client", client, type_=String)
    by_client = in_window.where(provider_asks.c.client == who)
    row = select(
        bindparam("symbol", symbol, type_=String),
        bindparam("now", now, type_=stamp),
        who,
        bindparam("one", 1, type_=Integer),
    ).where(
        in_window.scalar_subquery() < bindparam("per_minute", limits.per_minute, type_=Integer),
        by_client.scalar_subquery() < bindparam("per_client", limits.per_client, type_=Integer),
    )
    insert = pg_insert if is_postgres(conn) else sqlite_insert
    stmt = insert(provider_asks).from_select(["symbol", "asked_at", "client", "asks"], row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[provider_asks.c.symbol],
        set_={
            "asked_at": stmt.excluded.asked_at,
            "client": stmt.excluded.client,
            "asks": provider_asks.c.asks + 1,
            "unknown_until": None,
        },
        where=and_(
            provider_asks.c.asked_at <= bindparam("ask_again", now - ASK_AGAIN_AFTER, type_=stamp),
            or_(provider_asks.c.unknown_until.is_(None), provider_asks.c.unknown_until <= now),
        ),
    )
    return stmt.returning(provider_asks.c.symbol)


def _held(conn: Connection, symbols: list[str], now: datetime) -> dict[str, str | None]:
    """Symbols not to ask now: UNKNOWN ones, and those asked lately (None: nothing to tell the visitor)."""
    rows = conn.execute(
        select(provider_asks.c.symbol, (provider_asks.c.unknown_until > now).label("unknown")).where(
            provider_asks.c.symbol.in_(symbols),
            or_(provider_asks.c.unknown_until > now, provider_asks.c.asked_at > now - ASK_AGAIN_AFTER),
        )
    )
    return {r.symbol: UNKNOWN if r.unknown else None for r in rows}


def _grant(
    conn: Connection, symbols: list[str], *, client: str, now: datetime, limits: Limits
) -> dict[str, bool]:
    """Claim each symbol in turn under the budget lock: {symbol: granted}."""
    if is_postgres(conn):
        conn.execute(select(func.pg_advisory_xact_lock(bindparam("k", BUDGET_LOCK, type_=BigInteger))))
    granted = {}
    for symbol in symbols:
        stmt = _claim_statement(conn, symbol=symbol, client=client, now=now, limits=limits)
        granted[symbol] = conn.execute(stmt).first() is not None
    return granted


def claim(
    engine: Engine, symbols: list[str], *, client: str, limits: Limits, now: datetime | None = None
) -> Claims:
    """Which of `symbols` this client may send to the provider now (each grant is recorded at once)."""
    symbols = list(dict.fromkeys(symbols))
    if not symbols:
        return Claims()
    now = now or datetime.now(UTC)
    try:
        # A plain read first: a symbol asked lately (the usual case) costs no lock and no write.
        with engine.connect() as conn:
            held = _held(conn, symbols, now)
        free = [s for s in symbols if s not in held]
        with engine.begin() as conn:
            granted = _grant(conn, free, client=client, now=now, limits=limits) if free else {}
            lost = [s for s, won in granted.items() if not won]
            held |= _held(conn, lost, now) if lost else {}  # another process got there first
    except SQLAlchemyError as exc:  # a busy or slow database: ask nothing rather than wait or guess
        log.warning("web fetch budget symbols=%d error=%s", len(symbols), error_text(exc))
        return Claims(refused=dict.fromkeys(symbols, BUSY))
    claims = Claims(granted=[s for s, won in granted.items() if won])
    for symbol in symbols:
        if symbol in held:
            why = held[symbol]
            if why is None:
                claims.recent.append(symbol)
            else:
                claims.refused[symbol] = why
        elif symbol not in claims.granted:
            claims.refused[symbol] = BUSY
    _log(claims, client)
    return claims


def _log(claims: Claims, client: str) -> None:
    if claims.granted or claims.refused:
        busy = sum(why == BUSY for why in claims.refused.values())
        log.info(
            "web fetch budget client=%s granted=%d recent=%d unknown=%d busy=%d",
            client or "-", len(claims.granted), len(claims.recent), len(claims.refused) - busy, busy,
        )  # fmt: skip


def remember_unknown(engine: Engine, symbol: str, *, now: datetime | None = None) -> bool:
    """Note that the provider had nothing for `symbol`; when it was never stored it is unknown for a day."""
    now = now or datetime.now(UTC)
    never_stored = ~exists().where(daily_bars.c.symbol == symbol)
    try:
        with engine.begin() as conn:
            done = conn.execute(
                provider_asks.update()
                .where(provider_asks.c.symbol == symbol, never_stored)
                .values(unknown_until=now + UNKNOWN_FOR)
            ).rowcount
    except SQLAlchemyError as exc:  # it will merely be asked again in ten minutes
        log.warning("web fetch budget symbol=%s not remembered as unknown: %s", symbol, error_text(exc))
        return False
    return bool(done)


def prune(engine: Engine, *, now: datetime | None = None) -> int:
    """Forget symbols not asked for a day and no longer unknown; the number of rows deleted."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        return conn.execute(
            provider_asks.delete().where(
                provider_asks.c.asked_at < now - KEEP,
                or_(provider_asks.c.unknown_until.is_(None), provider_asks.c.unknown_until < now),
            )
        ).rowcount
