"""The jobs the clock schedules and `worker.py` runs by hand: pull, compute_movers, daily, housekeeping.

Each takes what it needs as arguments and records itself in the run log (`runs.recorded`);
the clock only decides when. Fetching and writing is `ingest`'s; this only walks its chunks.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, TypedDict, Unpack

from sqlalchemy import Engine

from stockdash import calendar, fetchbudget, ingest, movers, runs, stats, store
from stockdash.alerts.firing import prune_history
from stockdash.config import Settings
from stockdash.dbname import database_name
from stockdash.live import liveset
from stockdash.providers.base import Provider
from stockdash.runs import Job, RunResult, Status
from stockdash.universe import resolve

log = logging.getLogger("stockdash.jobs")


class PullArgs(TypedDict, total=False):
    """What a pull is asked for: the keywords of `pull` and of `workers.enqueue.enqueue_pull`."""

    symbols: list[str] | None  # None: the universe, run as `pull`; a list: run as `pull-symbols`
    since: date | None  # fetch again from this date; None: from each symbol's last stored bar
    today: date | None  # the session to pull up to; None: the last closed one


class PullScope(NamedTuple):
    job: Job
    symbols: list[str]
    since: date | None
    today: date


def pull_scope(settings: Settings, **asked: Unpack[PullArgs]) -> PullScope:
    """What a pull asked for covers, its defaults filled in."""
    if unknown := asked.keys() - PullArgs.__optional_keys__:  # a typo must not pull the universe
        raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
    symbols = asked.get("symbols")
    return PullScope(
        job=Job.PULL if symbols is None else Job.PULL_SYMBOLS,
        symbols=symbols or resolve(settings.universe),
        since=asked.get("since"),
        today=asked.get("today") or calendar.last_closed_session(),
    )


def pull(
    engine: Engine,
    provider: Provider,
    settings: Settings,
    *,
    stop: threading.Event | None = None,
    progress: bool = True,
    **asked: Unpack[PullArgs],
) -> RunResult:
    """Fetch what is missing up to the last closed session and upsert it; idempotent."""
    job, symbols, since, today = pull_scope(settings, **asked)
    with runs.recorded(engine, job, provider=provider.name, target_date=today) as result:
        planned = ingest.plan(engine, provider, settings, symbols, today=today, since=since)
        chunks = planned.chunks
        result.symbols_ok += len(planned.up_to_date)
        log.info(
            "job=pull start symbols=%d to_fetch=%d up_to_date=%d chunks=%d target=%s provider=%s database=%s",
            len(symbols),
            len(symbols) - len(planned.up_to_date),
            len(planned.up_to_date),
            len(chunks),
            today,
            provider.name,
            database_name(engine.url.render_as_string(hide_password=False)),
        )
        done = 0
        try:
            for chunk in chunks:
                if stop is not None and stop.is_set():
                    result.status = Status.CUT_SHORT
                    result.message = f"stopped after {done} of {len(chunks)} chunks"
                    break
                _pull_chunk(engine, provider, chunk, result, progress=progress, of=(done + 1, len(chunks)))
                done += 1
        finally:
            # Symbols a cut-short run never reached are named, so the run log shows what is missing.
            for chunk in chunks[done:]:
                for symbol in chunk.symbols:
                    result.failures.setdefault(
                        symbol, f"not attempted: {result.message or 'the run was cut short'}"
                    )
    return result


def _pull_chunk(
    engine: Engine,
    provider: Provider,
    chunk: ingest.Chunk,
    result: RunResult,
    *,
    progress: bool,
    of: tuple[int, int],
) -> None:
    """Ingest one chunk and add what it did to the run's totals."""
    started = time.monotonic()
    outcome = ingest.ingest(engine, provider, chunk)
    result.failures.update(outcome.failures)
    result.symbols_ok += len(chunk.symbols) - len(outcome.failures)
    result.rows_written += outcome.rows
    if progress:
        log.info(
            "job=pull chunk=%d/%d symbols=%d rows=%d failed=%d rebased=%d since=%s seconds=%.1f",
            *of,
            len(chunk.symbols),
            outcome.rows,
            len(outcome.failures),
            len(outcome.rebased),
            chunk.start,
            time.monotonic() - started,
        )


def compute_movers(engine: Engine, *, as_of: date | None = None) -> RunResult:
    """Compute and store every horizon x group snapshot for as_of (default: latest stored session)."""
    with runs.recorded(engine, Job.MOVERS) as result, engine.begin() as conn:
        as_of = as_of or store.latest_date(conn)
        if as_of is None:
            result.fail("no bars stored yet: run a pull first")
            return result
        if not calendar.is_session(as_of):
            as_of = calendar.previous_session(as_of)
        result.target_date = as_of
        log.info(
            "job=movers start as_of=%s database=%s",
            as_of,
            database_name(engine.url.render_as_string(hide_password=False)),
        )
        rows = movers.compute_snapshot(conn, as_of)
        result.rows_written = movers.store_snapshot(conn, as_of, rows)
        result.symbols_ok = len(movers.changes(conn, as_of, "1d"))
        if result.symbols_ok == 0:
            result.status = Status.FAILED
            result.message = f"no symbol has bars on both {as_of} and the session before"
    return result


# --- the screener's snapshot (issue 18) ----------------------------------------------------------


def compute_stats(
    engine: Engine,
    *,
    as_of: date | None = None,
    symbols: list[str] | None = None,
    parent_id: int | None = None,
    full: bool = False,
) -> RunResult:
    """Compute and store the screener's figures for as_of (default: latest stored session), for
    `symbols` (a queued chunk, under its run `parent_id`) or every tracked symbol."""
    job = Job.STATS if symbols is None else Job.STATS_CHUNK
    with runs.recorded(engine, job, parent_id=parent_id) as result, engine.begin() as conn:
        as_of = as_of or store.latest_date(conn)
        if as_of is None:
            result.fail("no bars stored yet: run a pull first")
            return result
        if not calendar.is_session(as_of):
            as_of = calendar.previous_session(as_of)
        result.target_date = as_of
        snap = stats.compute(conn, as_of, symbols, full=full)
        result.rows_written = stats.store(conn, snap, symbols)
        result.symbols_ok = len(snap.frame)
        result.message = f"{snap.recomputed} symbols' RSI/ATR from their whole history"
        if result.symbols_ok == 0 and symbols is None:
            result.status = Status.FAILED
            result.message = f"no symbol has a bar on {as_of}"
    return result


def daily(
    engine: Engine,
    provider: Provider,
    settings: Settings,
    *,
    today: date | None = None,
    stop: threading.Event | None = None,
) -> list[RunResult]:
    """The after-close job: pull the universe, then movers and the screener's snapshot on what was pulled."""
    pulled = pull(engine, provider, settings, today=today, stop=stop)
    if pulled.status == Status.FAILED or (stop is not None and stop.is_set()):
        return [pulled]
    return [
        pulled,
        compute_movers(engine, as_of=pulled.target_date),
        compute_stats(engine, as_of=pulled.target_date),
    ]


def housekeeping(engine: Engine, settings: Settings) -> RunResult:
    """Housekeeping: drop old job-run rows, provider asks, live wants and alert firings; close runs
    abandoned by a dead process."""
    with runs.recorded(engine, Job.HOUSEKEEPING) as result:
        abandoned = runs.mark_abandoned(engine)
        result.rows_written = runs.prune(engine, keep_days=settings.job_runs_keep_days)
        asks = fetchbudget.prune(engine)
        now = datetime.now(UTC)
        with engine.begin() as conn:
            wants = liveset.prune_wanted(conn, now=now, minutes=settings.live_want_minutes)
            fired = prune_history(conn, before=now - timedelta(days=settings.alert_history_keep_days))
        kept = f"deleted {result.rows_written} old runs, {asks} old provider asks"
        kept += f", {wants} lapsed live wants and {fired} old alert firings"
        result.message = f"{kept}, closed {abandoned} abandoned"
    return result
