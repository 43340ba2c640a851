"""gunicorn's gthread worker with a fast lane for /healthz: a health check never queues behind chart work.

Under load every thread of the pool is busy drawing charts and new requests wait their turn
(FIFO); a health check waiting a second there looks like an outage to the router or a monitor.
Here the main loop peeks at a request's first bytes before choosing a pool: `GET /healthz ` goes
to a small pool of its own, everything else to the usual one. The answer itself is cheap (one
cached database ping per second, stockdash.web.health).
"""

from __future__ import annotations

import socket
from concurrent import futures

from gunicorn.workers.gthread import TConn, ThreadWorker

from stockdash.compat import gunicorn_defer

HEALTH_REQUEST = b"GET /healthz "
HEALTH_THREADS = 2


def _peek(sock: socket.socket) -> bytes | None:
    """The request's first bytes without consuming them; None when none have arrived yet."""
    try:
        return sock.recv(len(HEALTH_REQUEST), socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return None
    except OSError:
        return b""  # a broken socket: the usual pool reports it


class HealthFirstWorker(ThreadWorker):
    """A ThreadWorker that serves `GET /healthz` from its own threads."""

    def init_process(self) -> None:
        self.health_pool = futures.ThreadPoolExecutor(HEALTH_THREADS, thread_name_prefix="healthz")
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
        if head != HEALTH_REQUEST:
            super().enqueue_req(conn)
            return
        fs = self.health_pool.submit(self.handle, conn)
        fs.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))
