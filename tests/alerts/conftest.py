"""Alert fixtures: a real SMTP server, real HTTP receivers, a migrated database with a few bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.alerts.receivers import HttpReceiver, SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Callable[..., HttpReceiver]]:
    """`receiver(statuses=[500], hold=0)`: a new local webhook receiver; all stopped at the end."""
    made: list[HttpReceiver] = []

    def make(**kwargs) -> HttpReceiver:
        made.append(HttpReceiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.stop()


# The queue's fixtures: a Redis database of the test's own, real `worker.py work` processes.
from tests.workers.conftest import redis_url, workers  # noqa: E402, F401
