"""The one upstream connection to Yahoo's streamer, through yfinance's own `AsyncWebSocket`.

yfinance connects, subscribes and re-sends the subscription every 15 s (Yahoo expects it); it does
not reconnect, so this does: backoff with jitter after every failure or drop, then subscribe again.
A connection silent for `silence_seconds` while its symbols trade counts as dropped. A frame that
does not decode is logged once per connection and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

from tenacity import RetryCallState, wait_exponential_jitter
from yfinance.live import AsyncWebSocket

from stockdash.live.frames import FrameError, Quote, quote_from_frame
from stockdash.live.hours import is_streaming

log = logging.getLogger("stockdash.live")

CONNECT_TIMEOUT = 10.0
REFRESH_SECONDS = 5.0  # how soon a change of the live set reaches the subscription
IDLE_SECONDS = 5.0  # with nothing to stream, look again this often


class Dropped(Exception):
    """The connection ended or went silent; the caller reconnects."""


@dataclass(eq=False)
class Upstream:
    """Keeps one stream up for `symbols()` and hands every quote to `on_quote`."""

    url: str
    _: KW_ONLY
    symbols: Callable[[], list[str]]
    on_quote: Callable[[Quote], None]
    on_state: Callable[[str, str], None]
    silence_seconds: float
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    # Read by LiveIngest: `connected` for its polling fallback, the counts for its status.
    connected: bool = field(init=False, default=False)
    connections: int = field(init=False, default=0)
    undecodable: int = field(init=False, default=0)
    _failures: int = field(init=False, default=0)  # in a row, since the last frame

    def __post_init__(self) -> None:
        self._wait = wait_exponential_jitter(
            multiplier=self.backoff_initial, max=self.backoff_max, jitter=self.backoff_initial
        )

    async def run(self) -> None:
        """Stream until cancelled, reconnecting after every drop."""
        while True:
            wanted = self.symbols()
            if not wanted:
                self.on_state("idle", "nothing to stream now")
                await asyncio.sleep(IDLE_SECONDS)
                continue
            try:
                await self._session(wanted)
            except Exception as exc:  # refused, dropped, silent, a bug in a frame: reconnect
                self.connected = False
                self._failures += 1
                delay = self._wait(cast(RetryCallState, SimpleNamespace(attempt_number=self._failures)))
                reason = f"{type(exc).__name__}: {str(exc)[:120]}"
                log.warning("live stream down: %s; reconnect %d in %.1fs", reason, self._failures, delay)
                self.on_state("connecting", reason)
                await asyncio.sleep(delay)

    async def _session(self, wanted: list[str]) -> None:
        """One connection: subscribe, read frames, follow the live set; returns when it empties."""
        self.on_state("connecting", "")
        client = AsyncWebSocket(url=self.url, verbose=False)
        try:
            await asyncio.wait_for(client.subscribe(wanted), CONNECT_TIMEOUT)
            self.connected = True
            self.connections += 1
            self.on_state("connected", "")
            log.info("live stream connected: %d symbols, connection %d", len(wanted), self.connections)
            await self._read(client, set(wanted))
        finally:
            self.connected = False
            await _close_quietly(client)

    async def _read(self, client: AsyncWebSocket, subscribed: set[str]) -> None:
        last_frame = last_refresh = time.monotonic()
        bad = 0
        while True:
            now = time.monotonic()
            if now - last_refresh >= REFRESH_SECONDS:
                last_refresh = now
                subscribed = await self._follow(client, subscribed)
                if not subscribed:
                    return
            timeout = min(REFRESH_SECONDS, max(0.1, self.silence_seconds - (now - last_frame)))
            try:
                raw = await asyncio.wait_for(client._ws.recv(), timeout)
            except TimeoutError:
                silent = time.monotonic() - last_frame
                if silent >= self.silence_seconds and _any_trading(subscribed):
                    raise Dropped(f"silent for {silent:.0f}s while its symbols trade") from None
                continue
            except Exception as exc:
                raise Dropped(f"connection closed ({type(exc).__name__})") from None
            last_frame = time.monotonic()
            self._failures = 0
            try:
                quote = quote_from_frame(raw)
            except FrameError as exc:
                bad += 1
                self.undecodable += 1
                if bad == 1:  # once per connection: a broken feed must not flood the log
                    log.warning("live stream frame skipped: %s (further ones counted, not logged)", exc)
                continue
            if quote is not None:
                self.on_quote(quote)

    async def _follow(self, client: AsyncWebSocket, subscribed: set[str]) -> set[str]:
        """Subscribe to symbols that joined the live set, unsubscribe from those that left."""
        wanted = set(self.symbols())
        if added := sorted(wanted - subscribed):
            await client.subscribe(added)
        if removed := sorted(subscribed - wanted):
            await client.unsubscribe(removed)
        if added or removed:
            log.info("live stream set: +%d -%d now %d symbols", len(added), len(removed), len(wanted))
        return wanted


def _any_trading(symbols: set[str]) -> bool:
    now = datetime.now(UTC)
    return any(is_streaming(s, now) for s in symbols)


async def _close_quietly(client: AsyncWebSocket) -> None:
    try:
        await asyncio.wait_for(client.close(), 2.0)
    except Exception as exc:  # already gone: nothing left to close
        log.debug("live stream close: %s", type(exc).__name__)
