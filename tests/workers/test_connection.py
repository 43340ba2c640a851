"""`rediss://` with a self-signed certificate, as Heroku's Key-Value Store serves it, connects."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue

from stockdash.workers.connection import redis_for
from tests.conftest import skip_or_fail
from tests.harness import wait_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tls_redis(tmp_path) -> Iterator[str]:
    """A redis-server speaking only TLS, with a certificate it signed itself; its rediss:// URL."""
    if not (shutil.which("redis-server") and shutil.which("openssl")):
        skip_or_fail("redis-server and openssl are needed to run a TLS Redis")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kvs"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1"]
        + ["--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert)]
        + ["--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _listening(port) or server.poll() is not None, 10, "the TLS Redis")
        if server.poll() is not None:
            skip_or_fail("this redis-server cannot serve TLS")
        yield f"rediss://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_rediss_with_a_self_signed_certificate_connects(tls_redis):
    redis = redis_for(tls_redis)
    assert redis.ping()
    queue = Queue("pull", connection=redis)
    queue.enqueue("stockdash.workers.tasks.fetch_symbol", "AAPL", provider="demo")
    assert queue.count == 1
    redis.close()


def test_the_certificate_is_really_self_signed(tls_redis):
    # A client that checks certificates refuses this server: the test above proves the opt-out.
    strict = Redis.from_url(tls_redis, socket_connect_timeout=3)
    with pytest.raises(RedisConnectionError, match="certificate verify failed"):
        strict.ping()
