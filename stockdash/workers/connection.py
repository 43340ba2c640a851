"""Redis connections for the queue: Heroku's `rediss://` with its self-signed certificate included."""

from __future__ import annotations

from redis import Redis

# The clock and the web ask Redis in passing: an unreachable one must cost seconds, not a hang.
CONNECT_TIMEOUT = 3.0
COMMAND_TIMEOUT = 10.0


def redis_for(url: str, *, command_timeout: float | None = COMMAND_TIMEOUT) -> Redis:
    """A client for `url`. Heroku Key-Value Store serves TLS with a self-signed certificate, so a
    `rediss://` URL skips certificate checks (Heroku's own advice: `ssl_cert_reqs=None`)."""
    tls = {"ssl_cert_reqs": None} if url.startswith("rediss://") else {}
    return Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=command_timeout,
        health_check_interval=30,
        **tls,
    )
