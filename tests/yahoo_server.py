"""A local HTTP stand-in for Yahoo, for processes of their own (queue workers, the benchmark).

yfinance in those processes is pointed at it with YAHOO_BASE_URL: its session sends
`https://query2.finance.yahoo.com/v8/finance/chart/AAPL?…` to `{base}/query2.finance.yahoo.com/…`
(see stockdash.providers.yahoo_session). The answers come from a YahooReplay (recorded bodies in
Yahoo's exact format, sliced as Yahoo slices them), after an optional latency, and chart
requests can be held at a gate until a test lets them through.

    with YahooStandIn(YahooReplay({"AAPL": "AAPL_2020-08-31_2020-11-06"}), delay=0.2) as yahoo:
        env["YAHOO_BASE_URL"] = yahoo.base_url
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.yahoo_replay import YahooReplay, classify

# (status, content type, body) for one request, given the URL yfinance asked for.
Answerer = Callable[[str], tuple[int, str, bytes]]


def replay_answerer(replay: YahooReplay) -> Answerer:
    """Answers from a YahooReplay, exactly as it answers yfinance in-process."""

    def answer(url: str) -> tuple[int, str, bytes]:
        response = replay.answer("GET", url, None)
        return response.status_code, response.headers.get("Content-Type", "text/plain"), response.content

    return answer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client killed mid-request (the point of some tests) is no error of the stand-in."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class YahooStandIn:
    """A threaded HTTP server on 127.0.0.1 answering as Yahoo would, `delay` seconds late."""

    def __init__(self, answer: YahooReplay | Answerer, *, delay: float = 0.0) -> None:
        self.answer = replay_answerer(answer) if isinstance(answer, YahooReplay) else answer
        self.delay = delay
        self.gate = threading.Event()  # chart requests wait here until it is set
        self.gate.set()
        self.held = threading.Semaphore(0)  # released once per chart request that reached the gate
        self.requests = 0
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="yahoo-stand-in", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> YahooStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.gate.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802  (http.server's name)
                host, _, rest = self.path.lstrip("/").partition("/")
                url = f"https://{host}/{rest}"
                kind, _symbol = classify(host, urlsplit(url).path)
                if kind == "chart":
                    stand_in.held.release()
                    stand_in.gate.wait()
                    time.sleep(stand_in.delay)
                with stand_in._lock:
                    stand_in.requests += 1
                status, content_type, body = stand_in.answer(url)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:
                """Quiet: a benchmark makes thousands of requests."""

        return Handler
