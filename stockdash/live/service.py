"""`LiveIngest`: the live set streamed (or polled, or walked in demo) into the database until stopped.

Two threads: an asyncio loop for the source (the stream, its polling fallback, or the demo walk)
and a writer that flushes buffered quotes once a second and follows the live set. Only the active
clock (the one holding the clock lock) and `worker.py stream` run one; the web never does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from stockdash.config import Settings
from stockdash.errors import error_text
from stockdash.live import liveset
from stockdash.live.demo_walk import DemoFeed, last_closes
from stockdash.live.hours import is_streaming
from stockdash.live.poll import poll_quotes
from stockdash.live.setline import live_set_line
from stockdash.live.stream import Upstream
from stockdash.live.writer import Writer

log = logging.getLogger("stockdash.live")

FLUSH_SECONDS = 1.0
LIVE_SET_SECONDS = 5.0  # how soon a visitor's want (or a session edge) changes what is streamed
PRUNE_SECONDS = 3600.0
DEMO_TICK_SECONDS = 1.0
STOP_SECONDS = 2.0


class LiveIngest:
    """Start, stop and report the live ingest; safe to start and stop from any thread."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        source: str,
        symbols: list[str] | None = None,
        ignore_hours: bool = False,
        poll_session: Any = None,
    ) -> None:
        if source not in ("stream", "demo"):
            raise ValueError("source is stream or demo")
        self.engine = engine
        self.settings = settings
        self.source = source
        self.fixed_symbols = symbols
        self.ignore_hours = ignore_hours
        self.poll_session = poll_session
        self.writer = Writer(engine)
        self.live: list[str] = []
        self.refused: list[str] = []
        self.polled: list[str] = []  # alert symbols beyond the cap: polled every QUOTE_SECONDS
        self.upstream: Upstream | None = None
        self._demo = DemoFeed({})
        self._stop = threading.Event()
        self._refresh = threading.Event()
        self._threads: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task | None = None
        self._polling = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-poll")

    # --- control ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._refresh.set()  # the writer thread reads the live set first thing
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-poll")
        self._threads = [
            threading.Thread(target=self._write_loop, name="live-writer", daemon=True),
            threading.Thread(target=self._source_loop, name="live-source", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info("live ingest started: source=%s", self.source)

    def refresh(self) -> None:
        """Re-read the live set now (a session edge, a new want) instead of within LIVE_SET_SECONDS."""
        self._refresh.set()

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Stop both threads within `timeout` seconds; True when they ended."""
        self._stop.set()
        self._refresh.set()
        if self._loop is not None and self._main is not None:
            self._loop.call_soon_threadsafe(self._main.cancel)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._pool.shutdown(wait=False, cancel_futures=True)
        ended = not self.running
        log.info("live ingest stopped: frames=%d clean=%s", self.writer.frames_total, ended)
        return ended

    def status(self) -> dict:
        return {
            "source": self.source,
            "state": self.writer.state.state,
            "symbols": list(self.live),
            "refused": list(self.refused),
            "frames": self.writer.frames_total,
            "frames_per_minute": self.writer.frames_per_minute(),
            "connections": self.upstream.connections if self.upstream else 0,
            "undecodable": self.upstream.undecodable if self.upstream else 0,
        }

    # --- the live set and the writer thread ------------------------------------------------------

    def _refresh_live_set(self) -> None:
        now = datetime.now(UTC)
        polled: list[str] = []
        if self.fixed_symbols is not None:
            chosen, refused = list(self.fixed_symbols), []
        else:
            with self.engine.connect() as conn:
                found = liveset.read(conn, self.settings, now=now)
            chosen, refused, polled = found.symbols, found.refused, found.polled
        wanted = len(chosen)
        if not self.ignore_hours:
            chosen = [s for s in chosen if is_streaming(s, now)]
            polled = [s for s in polled if is_streaming(s, now)]
        if self.source == "demo" and (new := [s for s in chosen + polled if s not in self._demo.closes]):
            with self.engine.connect() as conn:
                self._demo.closes.update(last_closes(conn, new))
        if chosen != self.live:
            waiting = wanted - len(chosen)
            log.info(live_set_line(streaming=len(chosen), waiting=waiting, refused=len(refused), now=now))
        if polled != self.polled:
            log.info("live set: %d alert symbols over the cap are polled", len(polled))
        self.live, self.refused, self.polled = chosen, refused, polled
        self.writer.set_state(self.writer.state.state, symbols=chosen)

    def _write_loop(self) -> None:
        last_set = last_prune = time.monotonic()
        self._prune()
        self._refresh.set()
        while not self._stop.is_set():
            self._refresh.wait(FLUSH_SECONDS)
            now = time.monotonic()
            try:
                if self._refresh.is_set() or now - last_set >= LIVE_SET_SECONDS:
                    self._refresh.clear()
                    last_set = now
                    self._refresh_live_set()
                if now - last_prune >= PRUNE_SECONDS:
                    last_prune = now
                    self._prune()
                self.writer.flush()
            except Exception as exc:  # database down: keep the buffer, try again next second
                log.warning("live write failed: %s", error_text(exc))
        self.writer.set_state("stopped", message="")
        try:
            self.writer.flush()
        except Exception as exc:
            log.warning("live final write failed: %s", type(exc).__name__)

    def _prune(self) -> None:
        try:
            deleted = self.writer.prune(keep_days=self.settings.intraday_keep_days)
        except Exception as exc:
            log.warning("live prune failed: %s", type(exc).__name__)
            return
        if deleted:
            log.info(
                "live prune: deleted %d minute bars older than %d days",
                deleted,
                self.settings.intraday_keep_days,
            )

    # --- the source thread -----------------------------------------------------------------------

    def _source_loop(self) -> None:
        try:
            asyncio.run(self._source())
        except Exception as exc:
            log.error("live source ended: %s: %s", type(exc).__name__, exc)

    async def _source(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        if self._stop.is_set():
            return
        try:
            if self.source == "demo":
                await self._demo_walk()
            else:
                await self._stream_with_fallback()
        except asyncio.CancelledError:
            pass

    async def _demo_walk(self) -> None:
        self.writer.set_state("demo", source="demo")
        while True:
            now = datetime.now(UTC)
            for symbol in [*self.live, *self.polled]:
                self.writer.put(self._demo.quote(symbol, now))
            await asyncio.sleep(DEMO_TICK_SECONDS - time.time() % DEMO_TICK_SECONDS)

    async def _stream_with_fallback(self) -> None:
        self.upstream = Upstream(
            self.settings.yahoo_stream_url,
            symbols=lambda: list(self.live),
            on_quote=self.writer.put,
            on_state=self._on_stream_state,
            silence_seconds=self.settings.live_silence_seconds,
        )
        stream = asyncio.create_task(self.upstream.run())
        overflow = asyncio.create_task(self._poll_overflow())
        try:
            await self._fall_back_while_down(self.upstream)
        finally:
            stream.cancel()
            overflow.cancel()
            await asyncio.gather(stream, overflow, return_exceptions=True)

    async def _poll_overflow(self) -> None:
        """Alert symbols the stream has no slot for get polled quotes every QUOTE_SECONDS."""
        loop = asyncio.get_running_loop()
        timeout = min(self.settings.yahoo_timeout, self.settings.quote_seconds)
        while True:
            if symbols := list(self.polled):
                try:
                    quotes = await loop.run_in_executor(
                        self._pool, lambda: poll_quotes(symbols, timeout=timeout, session=self.poll_session)
                    )
                except Exception as exc:
                    log.warning("alert symbols poll failed: %s", type(exc).__name__)
                    quotes = []
                for quote in quotes:
                    self.writer.put(quote)
            await asyncio.sleep(self.settings.quote_seconds)

    def _on_stream_state(self, state: str, message: str) -> None:
        if state == "connected":
            self._polling = False
        if self._polling:  # while polling, say so; the stream's retries go in the message
            self.writer.set_state("polling", source="poll", message=f"stream: {state} {message}".strip())
        else:
            self.writer.set_state(state, source="stream", message=message)

    async def _fall_back_while_down(self, upstream: Upstream) -> None:
        """Poll the live set every QUOTE_SECONDS while the stream has been down LIVE_FALLBACK_SECONDS."""
        down_since: float | None = time.monotonic()
        next_poll = 0.0
        while True:
            now = time.monotonic()
            if upstream.connected:
                down_since = None
            elif down_since is None:
                down_since = now
            elif now - down_since >= self.settings.live_fallback_seconds and now >= next_poll and self.live:
                next_poll = now + self.settings.quote_seconds
                await self._poll_once()
            await asyncio.sleep(0.2)

    async def _poll_once(self) -> None:
        symbols = list(self.live)
        timeout = min(self.settings.yahoo_timeout, self.settings.quote_seconds)
        loop = asyncio.get_running_loop()
        quotes = await loop.run_in_executor(
            self._pool, lambda: poll_quotes(symbols, timeout=timeout, session=self.poll_session)
        )
        for quote in quotes:
            self.writer.put(quote)
        self._polling = not (self.upstream and self.upstream.connected)
        if self._polling:
            self.writer.set_state("polling", source="poll", message=f"{len(quotes)}/{len(symbols)} answered")
