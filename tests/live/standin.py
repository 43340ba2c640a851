"""A local websocket server standing in for Yahoo's streamer; frames wrapped exactly as Yahoo wraps them."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve
from yfinance.pricing_pb2 import PricingData

FRAMES = Path(__file__).resolve().parent.parent / "fixtures" / "yahoo-stream" / "frames.jsonl"


def real_frames() -> list[str]:
    """The two real frames Yahoo sent (BTC-USD, MSFT), as text."""
    return FRAMES.read_text().splitlines()


def pricing_frame(symbol: str, *, price: float, time_ms: int, **fields) -> str:
    """A text frame as Yahoo sends it: JSON around a base64 protobuf PricingData."""
    data = PricingData(id=symbol, price=price, time=time_ms, **fields)
    message = base64.b64encode(data.SerializeToString()).decode()
    return json.dumps({"type": "pricing", "message": message}, separators=(",", ":"))


Handler = Callable[[ServerConnection, "StandIn"], Awaitable[None]]


class StandIn:
    """Runs `handler` for every connection in a background event loop; records what clients sent."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.received: list[dict] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stop: asyncio.Future | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/?version=2"

    def subscriptions(self) -> list[list[str]]:
        return [m["subscribe"] for m in list(self.received) if "subscribe" in m]

    def __enter__(self) -> StandIn:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)
        self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = self._loop.create_future()
        async with serve(self._connection, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop

    async def _connection(self, ws: ServerConnection) -> None:
        self.connections += 1
        reader = asyncio.create_task(self._read(ws))
        try:
            await self.handler(ws, self)
        finally:
            reader.cancel()

    async def _read(self, ws: ServerConnection) -> None:
        async for text in ws:
            self.received.append(json.loads(text))

    async def wait_subscribed(self, count: int = 1, timeout: float = 10) -> None:
        """Wait for the client's subscribe message of this connection (count across all connections)."""
        async with asyncio.timeout(timeout):
            while len(self.subscriptions()) < count:
                await asyncio.sleep(0.02)
