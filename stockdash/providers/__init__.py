"""Make the provider a process decided on (`stockdash.deployment`), and probe whether Yahoo answers."""

from __future__ import annotations

from stockdash.config import Settings
from stockdash.providers.base import FetchResult, Provider, ProviderError

__all__ = ["FetchResult", "Provider", "ProviderError", "make_provider", "yahoo_reachable"]


def yahoo_reachable(settings: Settings) -> bool:
    """Whether Yahoo (or YAHOO_BASE_URL standing in for it) answers within 3 s."""
    from stockdash.providers.yahoo import REACHABLE_URL, reachable
    from stockdash.providers.yahoo_session import rebase

    base = settings.yahoo_base_url
    return reachable(url=rebase(REACHABLE_URL, base) if base else REACHABLE_URL)


def make_provider(settings: Settings, name: str) -> Provider:
    """The provider called `name` (yahoo or demo), set up from the settings."""
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
