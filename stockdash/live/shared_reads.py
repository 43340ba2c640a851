"""A per-process read cache shared by every viewer: one database read per key per second or so.

At expiry one thread reads and the others wait for its answer (single flight), so database
reads per second depend on the number of distinct keys, never on the number of viewers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

MAX_KEYS = 2000


class SharedReads:
    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self.reads = 0  # loads done, for tests and the benchmark
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        """The cached value of `key`, loading it when older than `ttl` (once, whoever asks)."""
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock_for(key):
            hit = self._fresh(key)
            if hit is not None:
                return hit[1]
            value = load()
            with self._guard:
                self.reads += 1
                if len(self._entries) >= MAX_KEYS:
                    self._evict()
                self._entries[key] = (time.monotonic(), value)
            return value

    def _fresh(self, key: Any) -> tuple[float, Any] | None:
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return entry
        return None

    def _lock_for(self, key: Any) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _evict(self) -> None:
        """Drop expired entries (and their locks); called with the guard held."""
        now = time.monotonic()
        for key in [k for k, (at, _) in self._entries.items() if now - at >= self.ttl]:
            del self._entries[key]
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]
