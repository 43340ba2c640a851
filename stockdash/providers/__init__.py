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


def resolve_provider_name(settings: Settings) -> str:
    """`yahoo` or `demo`; `auto` asks once per process whether Yahoo answers."""
    if settings.provider != "auto":
        return settings.provider
    return "yahoo" if _yahoo_reachable() else "demo"


def get_provider(settings: Settings) -> Provider:
    name = resolve_provider_name(settings)
    if name == "demo":
        from stockdash.providers.demo import DemoProvider

        return DemoProvider()
    from stockdash.providers.yahoo import YahooProvider

    return YahooProvider(
        chunk_size=settings.yahoo_chunk_size,
        threads=settings.yahoo_threads,
        retries=settings.yahoo_retries,
        timeout=settings.yahoo_timeout,
    )
