"""What the web needs from the outside world, made lazily in each (forked) gunicorn worker."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from stockdash.config import Settings
from stockdash.db import database_url, get_engine
from stockdash.live.api import LiveReads
from stockdash.providers import get_provider
from stockdash.providers.base import Provider


@dataclass
class Services:
    settings: Settings
    provider_override: Provider | None = None
    # When each symbol was last sent to the provider, whatever came of it (see fetch.claim_ask).
    asked: dict[str, float] = field(default_factory=dict)
    asked_lock: threading.Lock = field(default_factory=threading.Lock)

    @cached_property
    def database_url(self) -> str:
        return database_url(self.settings)

    @property
    def engine(self) -> Engine:
        return get_engine(self.database_url)

    @cached_property
    def provider(self) -> Provider:
        return self.provider_override or get_provider(self.settings)

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        # Made on first use, so a worker forked after preload gets its own threads.
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="refresh")

    @cached_property
    def live(self) -> LiveReads:
        """Live quotes and minute bars, read once a second per process for the API and the live view."""
        return LiveReads(lambda: self.engine, self.settings)
