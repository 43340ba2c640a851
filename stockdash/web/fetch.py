"""On-demand fetches for what a visitor charts: stale symbols only, a time budget, the provider budget.
The same for the minute bars of 1D/5D (`fetch_minutes`), one ask per symbol per 10 minutes.

Heroku's router cuts a request at 30 s: a provider fetch gets a few seconds, then the chart
shows what is stored (the fetch carries on in the background and stores its bars). With queue
workers alive the fetch is theirs: the chart says so and polls until the bars land.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime, timedelta

from sqlalchemy import select

from stockdash import fetchbudget, ingest, minute_fetch, reads, store
from stockdash.db import utc
from stockdash.errors import error_text
from stockdash.providers.base import ProviderError
from stockdash.schema import provider_asks
from stockdash.web.services import Services
from stockdash.workers.fetches import FETCHING

log = logging.getLogger("stockdash.web")

REFRESH_BUDGET_SECONDS = 6.0
# An in-process minute-bar fetch asked this recently may still be running (a slow provider).
IN_FLIGHT = timedelta(seconds=30)


def _allowed(services: Services, dataset: str | None) -> bool:
    """Never mix demo and real bars, and never be the one to decide what an empty database holds
    on a guess: with PROVIDER=auto that is the clock's first pull."""
    if dataset is None:
        return services.settings.provider != "auto"
    return dataset == services.provider.name


def _fetch_one(services: Services, symbol: str) -> str | None:
    """Fetch and store a symbol's missing bars; the failure reason, or None when it worked."""
    try:
        outcome = ingest.refresh_symbol(services.engine_if_up(), services.provider, services.settings, symbol)
    except ProviderError as exc:
        return f"the price provider did not answer ({error_text(exc)})"
    except Exception as exc:  # a failed fetch must never sink the page
        log.warning("web refresh symbol=%s failed: %s", symbol, error_text(exc))
        return "fetching fresh prices failed"
    if symbol in outcome.failures:
        fetchbudget.remember_unknown(services.engine_if_up(), symbol)
        return f"the provider has no prices for {symbol} ({outcome.failures[symbol]})"
    return None


def stale_symbols(services: Services, symbols: list[str]) -> list[str]:
    """The symbols a refresh would fetch: missing or stale, where the provider may add to what is stored."""
    with services.engine_if_up().connect() as conn:
        last = store.last_dates(conn, symbols)
        dataset = store.dataset_provider(conn)
    if not _allowed(services, dataset):
        return []
    hours = services.settings.stale_after_hours
    return [s for s in symbols if reads.is_stale(last.get(s), stale_after_hours=hours)]


def refresh(
    services: Services, symbols: list[str], *, client: str = "", budget: float = REFRESH_BUDGET_SECONDS
) -> dict:
    """Bring stale symbols up to date within `budget` s as `client`'s budget allows; {symbol: why not}."""
    stale = stale_symbols(services, symbols)
    limits = fetchbudget.Limits.of(services.settings)
    claims = fetchbudget.claim(services.engine_if_up(), stale, client=client, limits=limits)
    if stale and services.queue is not None and services.queue.live():
        # Workers fetch what the budget granted; a fetch of theirs under way still shows as fetching.
        asked = [s for s in stale if s not in claims.refused]
        handed = services.queue.hand_over(asked, provider=services.provider.name, new=set(claims.granted))
        return claims.refused | handed
    futures = {s: services.executor.submit(_fetch_one, services, s) for s in claims.granted}
    deadline = time.monotonic() + budget
    reasons = dict(claims.refused)
    for symbol, future in futures.items():
        try:
            reason = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            reason = f"the price provider is slow to answer (no reply within {budget:.0f} s)"
        if reason:
            reasons[symbol] = reason
    return reasons


def minutes_key(symbol: str) -> str:
    """The budget's row for a symbol's minute bars (`~AAPL`): asked on its own clock, apart from the
    daily bars, but counted in the same per-minute budget. Symbols are at most 15 characters."""
    return f"~{symbol}"


def _minutes_one(services: Services, symbol: str, now: datetime) -> str | None:
    """Fetch and store a symbol's minute bars; why none came, or None when some were stored."""
    try:
        stored = minute_fetch.fetch_and_store(services.engine_if_up(), services.provider, symbol, now=now)
    except ProviderError as exc:
        return f"the price provider did not answer ({error_text(exc)})"
    except Exception as exc:  # a failed fetch must never sink the page
        log.warning("web minutes symbol=%s failed: %s", symbol, error_text(exc))
        return "fetching minute bars failed"
    return None if stored.first else "the price provider has no minute bars for it"


def _asked_since(services: Services, key: str, since: datetime) -> bool:
    with services.engine_if_up().connect() as conn:
        asked = conn.execute(select(provider_asks.c.asked_at).where(provider_asks.c.symbol == key)).scalar()
    return asked is not None and utc(asked) > since


def fetch_minutes(
    services: Services,
    symbol: str,
    *,
    now: datetime,
    client: str = "",
    budget: float = REFRESH_BUDGET_SECONDS,
    nothing_stored: bool = False,
) -> str | None:
    """Ask the provider for `symbol`'s recent minute bars, within the provider budget: by a queue
    worker when one lives (FETCHING while it works), else here within `budget` s. None when bars
    were stored, or when nothing is to be done now (asked lately); else why not. With
    `nothing_stored`, an ask by another request in the last IN_FLIGHT is taken as under way
    (FETCHING), so two requests racing on a page's first draw do not end on daily candles."""
    with services.engine_if_up().connect() as conn:
        dataset = store.dataset_provider(conn)
    if not _allowed(services, dataset):
        return "minute bars are fetched once the first daily pull has run"
    key = minutes_key(symbol)
    limits = fetchbudget.Limits.of(services.settings)
    claims = fetchbudget.claim(services.engine_if_up(), [key], client=client, limits=limits, now=now)
    if services.queue is not None and services.queue.live():
        # A job of another visitor's under way or just ended says more than a refused budget.
        handed = services.queue.hand_over_minutes(
            symbol, provider=services.provider.name, new=key in claims.granted, now=now
        )
        return handed if handed is not None else claims.refused.get(key)
    if key in claims.refused:
        return claims.refused[key]
    if key not in claims.granted:
        # Asked by another request moments ago: its fetch may still run (in another web process).
        return FETCHING if nothing_stored and _asked_since(services, key, now - IN_FLIGHT) else None
    future = services.executor.submit(_minutes_one, services, symbol, now)
    try:
        return future.result(timeout=budget)
    except FutureTimeout:
        return f"the price provider is slow to answer (no reply within {budget:.0f} s)"
