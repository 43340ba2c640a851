"""Getting daily bars in: plan what is missing, fetch it, notice a new price basis, write it.

The one way in for the clock's pull, `worker.py`, a queue worker and the web's on-demand fetch:
`plan()` splits the symbols into chunks, `ingest()` fetches and writes one chunk in one
transaction, so a crash or a stop loses at most the chunk in flight and never half of one.
A chunk reads the stored dates of its own symbols when it runs, so it can run anywhere, later,
or again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine

from stockdash import actions, calendar, store
from stockdash.config import Settings
from stockdash.errors import error_text
from stockdash.providers.base import FetchResult, Provider, ProviderError
from stockdash.universe import security_rows

# Relative change of a stored close that means a new price basis, not float noise (a dividend
# moves adjusted closes by 0.1 % or more, a split by half or more).
BASIS_TOLERANCE = 1e-4

# A refetched history may start a few sessions after the stored one (holidays, listing day).
COVERAGE_SLACK = timedelta(days=7)


@dataclass(frozen=True)
class Chunk:
    """Symbols fetched together from `start` up to `today`; `first` is where a new history starts."""

    start: date
    symbols: tuple[str, ...]
    today: date
    first: date


@dataclass
class Plan:
    chunks: list[Chunk]
    up_to_date: list[str]


@dataclass
class Outcome:
    """What one chunk wrote, and why symbols failed."""

    rows: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    rebased: list[str] = field(default_factory=list)


@dataclass
class _Fetched:
    bars: pd.DataFrame
    histories: pd.DataFrame
    rebased: list[str]
    failures: dict[str, str]
    actions: pd.DataFrame  # dividends and splits of `bars`
    history_actions: pd.DataFrame  # every action of the rebased symbols' histories


def history_start(settings: Settings, today: date) -> date:
    return today - timedelta(days=round(365.25 * settings.history_years))


def plan(
    engine: Engine,
    provider: Provider,
    settings: Settings,
    symbols: list[str],
    *,
    today: date,
    since: date | None = None,
) -> Plan:
    """Chunks of symbols grouped by the date their fetch starts: new ones from HISTORY_YEARS ago,
    stored ones from their last bar (one day of overlap, to notice a basis change reported late)."""
    with engine.begin() as conn:
        store.claim_dataset(conn, provider.name)
        last = store.last_dates(conn, symbols)
    first = history_start(settings, today)
    size = settings.pull_chunk_size
    groups: dict[date, list[str]] = defaultdict(list)
    up_to_date = []
    for symbol in symbols:
        stored = last.get(symbol)
        if since is None and stored and not calendar.sessions(stored + timedelta(days=1), today):
            up_to_date.append(symbol)
            continue
        start = since or stored or first
        if start > today:
            up_to_date.append(symbol)
        else:
            groups[start].append(symbol)
    chunks = [
        Chunk(start=start, symbols=tuple(syms[i : i + size]), today=today, first=first)
        for start, syms in sorted(groups.items())
        for i in range(0, len(syms), size)
    ]
    return Plan(chunks=chunks, up_to_date=up_to_date)


def ingest(engine: Engine, provider: Provider, chunk: Chunk) -> Outcome:
    """Fetch one chunk and write it in one transaction; raises ProviderError if the provider is down."""
    with engine.connect() as conn:
        last = store.last_dates(conn, list(chunk.symbols))
    fetched = _fetch(engine, provider, chunk, last)
    return Outcome(rows=_write(engine, fetched), failures=fetched.failures, rebased=fetched.rebased)


def refresh_symbol(engine: Engine, provider: Provider, settings: Settings, symbol: str) -> Outcome:
    """Fetch a symbol the caller found stale from its last stored bar (all of its history if none)."""
    today = calendar.last_closed_session()
    with engine.begin() as conn:
        store.claim_dataset(conn, provider.name)
        last = store.last_dates(conn, [symbol]).get(symbol)
    first = history_start(settings, today)
    return ingest(engine, provider, Chunk(start=last or first, symbols=(symbol,), today=today, first=first))


def _fetch(engine: Engine, provider: Provider, chunk: Chunk, last: dict[str, date]) -> _Fetched:
    """New bars for the chunk, plus whole histories for symbols whose basis changed.

    A symbol whose history cannot be fetched whole again keeps its stored bars and gets none
    of the new ones: mixing bases would make a split look like a crash, and leaving its last
    date where it was makes the next pull see the split again and retry.
    """
    symbols = list(chunk.symbols)
    fetched = provider.fetch_daily(symbols, start=chunk.start, end=chunk.today)
    failures = dict(fetched.failures)
    with engine.connect() as conn:
        rebase = _rebased(conn, fetched, last)
        if not rebase:
            return _Fetched(
                fetched.bars, fetched.bars.iloc[0:0], [], failures, fetched.actions, fetched.actions[0:0]
            )
        stored_from = store.first_dates(conn, rebase)
    history_from = min([chunk.start, chunk.first, *stored_from.values()])
    full = (
        fetched
        if chunk.start <= history_from
        else _fetch_or_fail(provider, rebase, history_from, chunk.today)
    )
    ok = []
    for symbol in rebase:
        got = full.bars["date"][full.bars["symbol"] == symbol]
        if symbol in full.failures:
            reason = full.failures[symbol]
        elif got.empty or got.min() > stored_from[symbol] + COVERAGE_SLACK:
            reason = f"the provider returned history only from {got.min() if len(got) else '-'}"
        else:
            ok.append(symbol)
            continue
        failures[symbol] = (
            f"split/dividend: refetching the whole history failed ({reason}); retried next pull"
        )
    return _Fetched(
        bars=fetched.bars[~fetched.bars["symbol"].isin(rebase)],
        histories=full.bars[full.bars["symbol"].isin(ok)],
        rebased=ok,
        failures=failures,
        actions=fetched.actions[~fetched.actions["symbol"].isin(rebase)],
        history_actions=full.actions[full.actions["symbol"].isin(ok)],
    )


def _rebased(conn: Connection, fetched: FetchResult, last: dict[str, date]) -> list[str]:
    """Symbols whose stored history is now on another price basis: a split or dividend in the
    fetched range, or a stored bar the provider now prices differently (an action it reported late)."""
    acts = fetched.actions
    moved = set(acts["symbol"]) & set(last) if not acts.empty else set()
    bars = fetched.bars
    overlap = bars[bars["symbol"].map(last) == bars["date"]]
    if not overlap.empty:
        stored = store.bars_on(conn, sorted(set(overlap["date"])), sorted(set(overlap["symbol"])))
        both = overlap.merge(stored, on=["symbol", "date"], suffixes=("", "_stored"))
        drift = (
            (both["adj_close"] / both["adj_close_stored"] - 1)
            .abs()
            .combine((both["close"] / both["close_stored"] - 1).abs(), max)
        )
        moved |= set(both.loc[drift > BASIS_TOLERANCE, "symbol"])
    return sorted(moved)


def _fetch_or_fail(provider: Provider, symbols: list[str], start: date, end: date) -> FetchResult:
    """A refetch that fails as a whole fails only its symbols, not the chunk around them."""
    try:
        return provider.fetch_daily(symbols, start=start, end=end)
    except ProviderError as exc:
        return FetchResult(failures={s: f"provider failed: {error_text(exc)}" for s in symbols})


def _write(engine: Engine, fetched: _Fetched) -> int:
    """One transaction: securities, new bars, and whole histories of rebased symbols, each with
    their dividends and splits (a failed symbol's actions wait with its bars for the next pull)."""
    with engine.begin() as conn:
        got = sorted(set(fetched.bars["symbol"]) | set(fetched.rebased))
        store.upsert_securities(conn, security_rows(got))
        rows = store.upsert_bars(conn, fetched.bars)
        actions.upsert(conn, fetched.actions[fetched.actions["symbol"].isin(set(fetched.bars["symbol"]))])
        if fetched.rebased:
            rows += store.replace_bars(conn, fetched.rebased, fetched.histories)
            actions.replace(conn, fetched.rebased, fetched.history_actions)
    return rows
