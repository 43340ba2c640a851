"""Real receivers for the channels: an SMTP server (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.harness import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802  aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on a free local port that wants a login; `url()` is the Apprise mailto:// to it."""

    USER = "owner"
    PASSWORD = "s3cretPassw0rd"

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.logins: list[str] = []
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._check_login,
            auth_require_tls=False,  # a test server on localhost: no certificate to make
        )

    def _check_login(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.USER.encode(),
            self.PASSWORD.encode(),
        )
        if ok:
            self.logins.append(self.USER)
        return AuthResult(success=ok)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def url(self) -> str:
        return (
            f"mailto://{self.USER}:{self.PASSWORD}@127.0.0.1:{self.port}"
            "?from=alerts@stockdash.test&to=owner@stockdash.test&mode=insecure"
        )

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages


@dataclass
class Received:
    path: str
    body: bytes
    at: float  # time.time() when it arrived

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """A local webhook: records each request; answers with the next of `statuses` (then 200).

    `hold` makes the first `hold` requests wait (unanswered) until `release()`: a sender caught
    mid-delivery.
    """

    statuses: list[int] = field(default_factory=list)
    hold: int = 0
    received: list[Received] = field(default_factory=list)  # every request, answered or not
    delivered: list[Received] = field(default_factory=list)  # those answered 2xx

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got = Received(self.path, body, time.time())
                with receiver._lock:
                    receiver.received.append(got)
                    held = receiver.hold > 0
                    receiver.hold -= held
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if held:
                    receiver._released.wait(120)
                    return  # the sender died meanwhile: nobody to answer
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                if status < 300:
                    with receiver._lock:
                        receiver.delivered.append(got)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, scheme: str = "json", path: str = "/hook") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()
