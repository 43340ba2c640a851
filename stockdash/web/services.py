"""What the web needs from the outside world, made lazily in each (forked) gunicorn worker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from stockdash.config import Settings
from stockdash.db import get_engine
from stockdash.deployment import Deployment, resolve
from stockdash.live.shared_reads import LiveReads
from stockdash.providers.base import Provider
from stockdash.web import health

if TYPE_CHECKING:
    from stockdash.workers.fetches import WebQueue


@dataclass
class Services:
    settings: Settings
    provider_override: Provider | None = None

    @cached_property
    def deployment(self) -> Deployment:
        """The provider and database this process decided on (create_app asks at start)."""
        return resolve(self.settings)

    @property
    def database_url(self) -> str:
        return self.deployment.database_url

    @property
    def engine(self) -> Engine:
        """The web's engine (short waits); reading it asks the database nothing."""
        return get_engine(self.database_url, role="web")

    def engine_if_up(self) -> Engine:
        """The web's engine, or DatabaseDown at once while this process's health check (a ping at
        most once per second) says down: a request on a frozen database fails fast, not holding a thread."""
        return health.web_engine(self.database_url)

    @cached_property
    def provider(self) -> Provider:
        return self.provider_override or self.deployment.provider()

    @cached_property
    def queue(self) -> WebQueue | None:
        """The worker queue when REDIS_URL is set (made after the fork, like the engine)."""
        if not self.settings.redis_url:
            return None
        from stockdash.workers.fetches import WebQueue

        return WebQueue(self.settings.redis_url)

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        # Made on first use, so a worker forked after preload gets its own threads.
        return ThreadPoolExecutor(max_workers=4, thread_name_prefix="refresh")

    @cached_property
    def live(self) -> LiveReads:
        """Live quotes and minute bars, read once a second per process for the API and the live view."""
        return LiveReads(self.engine_if_up, self.settings)
