"""The jobs the clock schedules and `worker.py` runs by hand: pull, movers, prune, status.

Each takes what it needs as arguments and records itself in the job-run log; the clock
only decides when. A pull writes one chunk per transaction, so a crash or a stop loses
at most the chunk in flight and never leaves a half-written one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from stockdash import calendar, runlog, store
from stockdash import movers as movers_mod
from stockdash.config import Settings
from stockdash.providers.base import FetchResult, Provider, ProviderError
from stockdash.runlog import RunResult
from stockdash.universe import resolve, security_rows

log = logging.getLogger("stockdash.jobs")

CHUNK_SIZE = 100  # symbols per fetch-and-commit step
UNIVERSE_PULL = "pull"  # the job names in the run log
SYMBOLS_PULL = "pull-symbols"


def today_session() -> date:
    """The latest NYSE session that has closed: what a pull should reach."""
    return calendar.last_closed_session(datetime.now(calendar.NEW_YORK))


def history_start(settings: Settings, today: date) -> date:
    return today - timedelta(days=round(365.25 * settings.history_years))


def _plan(last: dict[str, date], symbols: list[str], *, since: date | None, first: date, today: date):
    """Group symbols by the date their fetch starts: new ones from `first`, stored ones from their
    last bar (one day of overlap, to notice a basis change the provider reported late)."""
    groups: dict[date, list[str]] = defaultdict(list)
    up_to_date = []
    for symbol in symbols:
        if (
            since is None
            and symbol in last
            and not calendar.sessions(last[symbol] + timedelta(days=1), today)
        ):
            up_to_date.append(symbol)
            continue
        start = since or last.get(symbol, first)
        if start > today:
            up_to_date.append(symbol)
        else:
            groups[start].append(symbol)
    return groups, up_to_date


def _rebased(conn, fetched: FetchResult, last: dict[str, date]) -> list[str]:
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


# Relative change of a stored close that means a new price basis, not float noise (a dividend
# moves adjusted closes by 0.1 % or more, a split by half or more).
BASIS_TOLERANCE = 1e-4

# A refetched history may start a few sessions after the stored one (holidays, listing day).
COVERAGE_SLACK = timedelta(days=7)


@dataclass
class Chunk:
    """What one chunk writes: new bars, whole histories to swap in, and why symbols failed."""

    bars: pd.DataFrame
    histories: pd.DataFrame
    rebased: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def _fetch_chunk(
    engine: Engine,
    provider: Provider,
    chunk: list[str],
    *,
    start: date,
    today: date,
    first: date,
    last: dict[str, date],
) -> Chunk:
    """New bars for the chunk, plus whole histories for symbols whose basis changed.

    A symbol whose history cannot be fetched whole again keeps its stored bars and gets none
    of the new ones: mixing bases would make a split look like a crash, and leaving its last
    date where it was makes the next pull see the split again and retry.
    """
    fetched = provider.fetch_daily(chunk, start=start, end=today)
    failures = dict(fetched.failures)
    with engine.connect() as conn:
        rebase = _rebased(conn, fetched, last)
        if not rebase:
            return Chunk(bars=fetched.bars, histories=fetched.bars.iloc[0:0], failures=failures)
        stored_from = store.first_dates(conn, rebase)
    history_from = min([start, first, *stored_from.values()])
    full = fetched if start <= history_from else _fetch_or_fail(provider, rebase, history_from, today)
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
    histories = full.bars[full.bars["symbol"].isin(ok)]
    return Chunk(
        bars=fetched.bars[~fetched.bars["symbol"].isin(rebase)],
        histories=histories,
        rebased=ok,
        failures=failures,
    )


def _fetch_or_fail(provider: Provider, symbols: list[str], start: date, end: date) -> FetchResult:
    """A refetch that fails as a whole fails only its symbols, not the chunk around them."""
    try:
        return provider.fetch_daily(symbols, start=start, end=end)
    except ProviderError as exc:
        return FetchResult(failures={s: f"provider failed: {runlog.error_text(exc)}" for s in symbols})


def _store_chunk(engine: Engine, chunk: Chunk) -> int:
    """One transaction: securities, new bars, and whole histories of rebased symbols."""
    with engine.begin() as conn:
        got = sorted(set(chunk.bars["symbol"]) | set(chunk.rebased))
        store.upsert_securities(conn, security_rows(got))
        rows = store.upsert_bars(conn, chunk.bars)
        if chunk.rebased:
            rows += store.replace_bars(conn, chunk.rebased, chunk.histories)
    return rows


def pull(
    engine: Engine,
    provider: Provider,
    settings: Settings,
    *,
    symbols: list[str] | None = None,
    since: date | None = None,
    today: date | None = None,
    stop: threading.Event | None = None,
    progress: bool = True,
) -> RunResult:
    """Fetch what is missing up to the last closed session and upsert it; idempotent."""
    today = today or today_session()
    # Only a run over the whole universe counts for the clock's catch-up; a hand-picked list doesn't.
    job = UNIVERSE_PULL if symbols is None else SYMBOLS_PULL
    symbols = symbols or resolve(settings.universe)
    result = RunResult(job, provider=provider.name, target_date=today)
    started = time.monotonic()
    runlog.start(engine, result)
    chunks: list[tuple[date, list[str]]] = []
    done = 0
    try:
        with engine.begin() as conn:
            store.claim_dataset(conn, provider.name)
            last = store.last_dates(conn, symbols)
        first = history_start(settings, today)
        groups, up_to_date = _plan(last, symbols, since=since, first=first, today=today)
        result.symbols_ok += len(up_to_date)
        chunks += [
            (start, syms[i : i + CHUNK_SIZE])
            for start, syms in sorted(groups.items())
            for i in range(0, len(syms), CHUNK_SIZE)
        ]
        log.info(
            "job=pull start symbols=%d to_fetch=%d up_to_date=%d chunks=%d target=%s provider=%s",
            len(symbols),
            len(symbols) - len(up_to_date),
            len(up_to_date),
            len(chunks),
            today,
            provider.name,
        )
        for n, (start, chunk) in enumerate(chunks, 1):
            if stop is not None and stop.is_set():
                result.message = f"{runlog.STOPPED} after {n - 1} of {len(chunks)} chunks"
                break
            t0 = time.monotonic()
            fetched = _fetch_chunk(engine, provider, chunk, start=start, today=today, first=first, last=last)
            rows = _store_chunk(engine, fetched)
            result.failures.update(fetched.failures)
            result.symbols_ok += len(chunk) - len(fetched.failures)
            result.rows_written += rows
            done = n
            if progress:
                log.info(
                    "job=pull chunk=%d/%d symbols=%d rows=%d failed=%d rebased=%d since=%s seconds=%.1f",
                    n,
                    len(chunks),
                    len(chunk),
                    rows,
                    len(fetched.failures),
                    len(fetched.rebased),
                    start,
                    time.monotonic() - t0,
                )
    except ProviderError as exc:
        result.message = f"provider failed: {runlog.error_text(exc)}"
        result.finish("partial" if result.rows_written else "failed")
    except store.DatasetMismatch as exc:
        result.message = str(exc)
        result.finish("failed")
    except SQLAlchemyError as exc:
        result.message = f"database error: {runlog.error_text(exc)}"
        result.finish("partial" if result.rows_written else "failed")
    except Exception as exc:  # a bug must still close the run, not leave it `running`
        log.exception("job=pull unexpected error")
        result.message = f"unexpected error: {runlog.error_text(exc)}"
        result.finish("partial" if result.rows_written else "failed")
    else:
        result.finish("partial" if result.message.startswith(runlog.STOPPED) else None)
    for _, chunk in chunks[done:]:
        for symbol in chunk:
            result.failures.setdefault(symbol, f"not attempted: {result.message}")
    runlog.finish(engine, result, started)
    return result


def movers(engine: Engine, *, as_of: date | None = None) -> RunResult:
    """Compute and store every horizon x group snapshot for as_of (default: latest stored session)."""
    result = RunResult("movers")
    started = time.monotonic()
    runlog.start(engine, result)
    try:
        with engine.begin() as conn:
            as_of = as_of or store.latest_date(conn)
            if as_of is None:
                raise movers_mod.NoData("no bars stored yet: run a pull first")
            if not calendar.is_session(as_of):
                as_of = calendar.previous_session(as_of)
            result.target_date = as_of
            rows = movers_mod.compute_snapshot(conn, as_of)
            result.rows_written = movers_mod.store_snapshot(conn, as_of, rows)
            result.symbols_ok = len(movers_mod.changes(conn, as_of, "1d"))
        if result.symbols_ok == 0:
            result.message = f"no symbol has bars on both {as_of} and the session before"
            result.finish("failed")
        else:
            result.finish("ok")
    except movers_mod.NoData as exc:
        result.message = str(exc)
        result.finish("failed")
    except SQLAlchemyError as exc:
        result.message = f"database error: {runlog.error_text(exc)}"
        result.finish("failed")
    except Exception as exc:  # a bug must still close the run, not leave it `running`
        log.exception("job=movers unexpected error")
        result.message = f"unexpected error: {runlog.error_text(exc)}"
        result.finish("failed")
    runlog.finish(engine, result, started)
    return result


def daily(
    engine: Engine,
    provider: Provider,
    settings: Settings,
    *,
    today: date | None = None,
    stop: threading.Event | None = None,
) -> list[RunResult]:
    """The after-close job: pull the universe, then movers on what was pulled."""
    pulled = pull(engine, provider, settings, today=today, stop=stop)
    if pulled.status == "failed" or (stop is not None and stop.is_set()):
        return [pulled]
    return [pulled, movers(engine, as_of=pulled.target_date)]


def prune(engine: Engine, settings: Settings) -> RunResult:
    """Housekeeping: drop job-run rows past their keep time; close runs abandoned by a dead process."""
    result = RunResult("prune")
    started = time.monotonic()
    runlog.start(engine, result)
    try:
        abandoned = runlog.mark_abandoned(engine)
        result.rows_written = runlog.prune(engine, keep_days=settings.job_runs_keep_days)
    except SQLAlchemyError as exc:
        result.message = f"database error: {runlog.error_text(exc)}"
        result.finish("failed")
    else:
        result.message = f"deleted {result.rows_written} old runs, closed {abandoned} abandoned"
        result.finish("ok")
    runlog.finish(engine, result, started)
    return result


def status(engine: Engine) -> dict:
    """What the database holds and how fresh it is."""
    with engine.connect() as conn:
        info = {
            "provider": store.dataset_provider(conn),
            "latest_bar": store.latest_date(conn),
            "latest_movers": next(iter(movers_mod.snapshot_dates(conn, 1)), None),
            **store.counts(conn),
        }
    info["last_pull"] = runlog.last_success(engine, UNIVERSE_PULL, SYMBOLS_PULL)
    info["recent_runs"] = runlog.recent(engine, 10)
    return info


def refresh_symbol(
    engine: Engine, provider: Provider, settings: Settings, symbol: str, *, today: date | None = None
) -> Chunk:
    """Fetch a symbol's missing bars (all of its history if none) and store them: the web's data path."""
    today = today or today_session()
    with engine.begin() as conn:
        store.claim_dataset(conn, provider.name)
        last = store.last_dates(conn, [symbol])
    first = history_start(settings, today)
    start = last.get(symbol, first)
    chunk = _fetch_chunk(engine, provider, [symbol], start=start, today=today, first=first, last=last)
    _store_chunk(engine, chunk)
    return chunk
