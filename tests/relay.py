"""A TCP relay a test can freeze: connections stay open and acknowledged, but no byte gets through.

That is what a hung database server or a stalled network path looks like to a client: TCP
keepalives are answered (by the relay's kernel), nothing else comes back. Unfreezing lets the
held bytes through again. New connections are accepted while frozen, as a hung server's kernel does.

`refuse()` is a database that went away (a restart, a failover): every open connection is closed
and new ones are closed at once, until `accept()`.
"""

from __future__ import annotations

import asyncio
import threading


class Relay:
    """Forward 127.0.0.1:<port> to `target`; `freeze()` / `unfreeze()` stop and resume every byte."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._flowing: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._refusing = False
        self._thread = threading.Thread(target=self._loop.run_forever, name="relay", daemon=True)

    def __enter__(self) -> Relay:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def freeze(self) -> None:
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def unfreeze(self) -> None:
        self._loop.call_soon_threadsafe(self._flowing.set)

    def refuse(self) -> None:
        asyncio.run_coroutine_threadsafe(self._refuse(), self._loop).result(timeout=10)

    def accept(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self, "_refusing", False)

    async def _refuse(self) -> None:
        self._refusing = True
        for writer in list(self._writers):
            writer.close()

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        pumps = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pumps:
            task.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)
        await self._server.wait_closed()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self._refusing:
            client_w.close()
            return
        try:
            upstream_r, upstream_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        self._writers |= {client_w, upstream_w}
        await asyncio.gather(self._pump(client_r, upstream_w), self._pump(upstream_r, client_w))
        self._writers -= {client_w, upstream_w}

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await self._flowing.wait()
                data = await reader.read(65536)
                if not data:
                    break
                await self._flowing.wait()  # bytes read just before a freeze are held, not sent
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
