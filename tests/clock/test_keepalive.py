"""Keep-alive pings against a real local HTTP server: answered, failed, slow, or skipped in the window."""

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from stockdash.calendar import NEW_YORK
from stockdash.clock import keepalive

DOWNTIME = (time(2, 0), time(7, 0))


class Server:
    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = threading.Event() if delay else None
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                if outer.delay is not None:
                    outer.delay.wait(delay)  # released at teardown
                # The timeout test's client has gone by now: a broken pipe is expected then.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(outer.status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.delay is not None:
            self.delay.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=NEW_YORK)


def test_ping_hits_healthz(server, caplog):
    caplog.set_level(logging.INFO, "stockdash.clock")
    assert keepalive.ping(server.url + "/", window=DOWNTIME, now=at(12, 0)) is True
    assert server.paths == ["/healthz"]
    assert "job=keepalive" in caplog.text and "status=200" in caplog.text


@pytest.mark.parametrize("hour,minute,pinged", [(1, 59, True), (2, 0, False), (6, 59, False), (7, 0, True)])
def test_ping_skipped_exactly_inside_window(server, hour, minute, pinged):
    assert keepalive.ping(server.url, window=DOWNTIME, now=at(hour, minute)) is pinged
    assert len(server.paths) == (1 if pinged else 0)


@pytest.mark.parametrize(
    "hour,minute,pinged", [(21, 59, True), (22, 0, False), (0, 0, False), (2, 59, False), (3, 0, True)]
)
def test_ping_skipped_inside_wrapping_window(server, hour, minute, pinged):
    window = (time(22, 0), time(3, 0))
    assert keepalive.ping(server.url, window=window, now=at(hour, minute)) is pinged
    assert len(server.paths) == (1 if pinged else 0)


def test_ping_error_status_is_logged_not_raised(caplog):
    srv = Server(status=503)
    try:
        assert keepalive.ping(srv.url, window=None) is False
    finally:
        srv.close()
    assert "status=503" in caplog.text


def test_ping_refused_is_logged_not_raised(caplog):
    assert keepalive.ping("http://127.0.0.1:1", window=None) is False
    assert "job=keepalive" in caplog.text and "ConnectionError" in caplog.text


def test_ping_timeout_is_logged_not_raised(monkeypatch, caplog):
    monkeypatch.setattr(keepalive, "PING_TIMEOUT", (1.0, 0.2))
    srv = Server(delay=30)
    try:
        assert keepalive.ping(srv.url, window=None) is False
    finally:
        srv.close()
    assert "timeout" in caplog.text


@pytest.mark.parametrize(
    "downtime,daily,monthly,eco,free",
    [
        ("02:00-07:00", "19", "578", "yes", "no"),
        ("22:00-03:00", "19", "578", "yes", "no"),  # wraps midnight: still 5 hours
        ("00:00-06:00", "18", "548", "yes", "yes"),
        ("01:00-07:30", "17.5", "532", "yes", "yes"),
        ("off", "24", "730", "yes", "no"),
    ],
)
def test_dyno_hours(downtime, daily, monthly, eco, free):
    from stockdash.config import parse_window

    line = keepalive.dyno_hours_line(downtime, parse_window(downtime))
    assert f"web awake {daily} h/day = about {monthly} h/month of 730" in line
    assert f"eco hours: {eco}" in line and f"free hours: {free}" in line
