"""Pick the provider named by the settings (`auto` = Yahoo when reachable, else demo)."""

from __future__ import annotations

import logging
from functools import lru_cache

from stockdash.config import Settings
from stockdash.providers.base import FetchResult, Provider, ProviderError

__all__ = ["FetchResult", "Provider", "ProviderError", "get_provider", "resolve_provider_name"]

log = logging.getLogger(__name__)


@lru_cache
def _yahoo_reachable() -> bool:
    from stockdash.providers.yahoo import reachable

    ok = reachable()
    log.info("provider=auto yahoo_reachable=%s", ok)
    return ok


_held: dict[str, str] = {}


def _database_provider(url: str) -> str | None:
    """Whose data the database at `url` already holds, or None (empty, unmigrated, unreachable).

    Only an answer is remembered: a database that was down or empty is asked again next time.
    """
    if url in _held:
        return _held[url]
    from stockdash import store
    from stockdash.db import make_engine

    engine = make_engine(url, role="health")  # a short wait: the web may be asking
    try:
        with engine.connect() as conn:
            held = store.dataset_provider(conn)
    except Exception:
        return None
    finally:
        engine.dispose()
    if held:
        _held[url] = held
    return held


def resolve_provider_name(settings: Settings) -> str:
    """`yahoo` or `demo`. `auto` keeps to whatever a configured database already holds, so one
    failed probe never starts demo data in a real database; otherwise it asks once per process
    whether Yahoo answers."""
    if settings.provider != "auto":
        return settings.provider
    if settings.database_url and (held := _database_provider(settings.database_url)):
        return held
    return "yahoo" if _yahoo_reachable() else "demo"


def get_provider(settings: Settings) -> Provider:
    name = resolve_provider_name(settings)
    if name == "demo":
        from stockdash.providers.demo import DemoProvider

        return DemoProvider()
    from stockdash.providers.yahoo import YahooProvider
    from stockdash.providers.yahoo_session import RebasedSession

    return YahooProvider(
        chunk_size=settings.yahoo_chunk_size,
        threads=settings.yahoo_threads,
        retries=settings.yahoo_retries,
        timeout=settings.yahoo_timeout,
        session=RebasedSession(settings.yahoo_base_url) if settings.yahoo_base_url else None,
    )
