"""gunicorn's gthread worker with fast lanes: /healthz and the page's files never queue behind chart work.

Under load, or while the database is slow, every thread of the pool may be busy with chart work
and new requests wait their turn (FIFO). A health check waiting there looks like an outage to the
router or a monitor, and a visitor's page would wait seconds for its HTML and scripts, although
none of them needs the database. Here the main loop peeks at a request's first bytes before
choosing a pool: `GET /healthz ` goes to a small pool of its own, the page and its files to
another, everything else to the usual one. Both lanes' answers are cheap and never wait on the
database: a ping cached for a second (stockdash.web.health), files, the page's HTML.
"""

from __future__ import annotations

import socket
from concurrent import futures

from gunicorn.workers.gthread import TConn, ThreadWorker

from stockdash.compat import gunicorn_defer

HEALTH_REQUEST = b"GET /healthz "
# What the page loads before it asks for its layout, none of it touching the database: the page
# (with or without a query), our bundles, Dash's component scripts and callback map, the assets
# folder, the icon.
PAGE_REQUESTS = (
    b"GET / ",
    b"GET /?",
    b"GET /_stockdash/",
    b"GET /_dash-component-suites/",
    b"GET /_dash-dependencies ",
    b"GET /assets/",
    b"GET /favicon.ico ",
    b"GET /_favicon.ico",
)
PEEK = max(len(prefix) for prefix in (HEALTH_REQUEST, *PAGE_REQUESTS))
HEALTH_THREADS = 2
PAGE_THREADS = 2


def _peek(sock: socket.socket) -> bytes | None:
    """The request's first bytes without consuming them; None when none have arrived yet."""
    try:
        return sock.recv(PEEK, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return None
    except OSError:
        return b""  # a broken socket: the usual pool reports it


class FastLaneWorker(ThreadWorker):
    """A ThreadWorker that serves `GET /healthz` and the page's files from threads of their own."""

    def init_process(self) -> None:
        self.health_pool = futures.ThreadPoolExecutor(HEALTH_THREADS, thread_name_prefix="healthz")
        self.page_pool = futures.ThreadPoolExecutor(PAGE_THREADS, thread_name_prefix="page")
        super().init_process()

    def enqueue_req(self, conn: TConn) -> None:
        """Choose the pool by the request line (called on the main loop only)."""
        head = _peek(conn.sock)
        if head is None and not conn.initialized and not conn.data_ready:
            # Accepted before its request arrived: let gunicorn's poller wake us when it does.
            deferred: futures.Future = futures.Future()
            deferred.set_result(gunicorn_defer())
            self.finish_request(conn, deferred)
            return
        pool = self._lane(head or b"")
        if pool is None:
            super().enqueue_req(conn)
            return
        fs = pool.submit(self.handle, conn)
        fs.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _lane(self, head: bytes) -> futures.ThreadPoolExecutor | None:
        if head.startswith(HEALTH_REQUEST):
            return self.health_pool
        if head.startswith(PAGE_REQUESTS):
            return self.page_pool
        return None
