"""The clock's intraday check: every live quote the ingest takes is checked against the rules.

`offer` is called by the live writer for each quote (from any thread) and only queues it; one
thread checks them in arrival order, so a slow database never slows the stream. Rules are read
again every RULES_SECONDS, so one added in the page or the CLI is checked within seconds.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine

from stockdash.alerts import rules as rules_db
from stockdash.alerts.channels import Channel
from stockdash.alerts.crossing import Action, State, step
from stockdash.alerts.firing import Fired, observe
from stockdash.alerts.kinds import INTRADAY, Kind
from stockdash.alerts.messages import Observation
from stockdash.alerts.rules import Rule
from stockdash.errors import error_text

log = logging.getLogger("stockdash.alerts")


class Quote(Protocol):
    """What the check reads of a live quote (the live writer hands over `live.frames.Quote`s):
    alerts depend on no live module, so the live set may read the rules' symbols."""

    @property
    def symbol(self) -> str: ...
    @property
    def time(self) -> datetime: ...
    @property
    def price(self) -> float: ...
    @property
    def pct_change(self) -> float | None: ...


RULES_SECONDS = 2.0
HISTORY_STEP = timedelta(seconds=5)  # prices kept for "% within N minutes": one per 5 s is enough
HISTORY_SPAN = timedelta(minutes=390)
BATCH = 500  # quotes checked in one transaction
INBOX_MAX = 100_000  # a stalled database must not eat the clock's memory: the oldest go first


class PriceHistory:
    """Recent prices per symbol, for the move within the last N minutes."""

    def __init__(self) -> None:
        self._points: dict[str, deque[tuple[datetime, float]]] = {}

    def add(self, symbol: str, at: datetime, price: float) -> None:
        points = self._points.setdefault(symbol, deque())
        if points and at - points[-1][0] < HISTORY_STEP:
            if at >= points[-1][0] and len(points) > 1:
                points[-1] = (at, price)
            return
        points.append((at, price))
        while points and at - points[0][0] > HISTORY_SPAN:
            points.popleft()

    def move(self, symbol: str, at: datetime, price: float, minutes: int) -> float | None:
        """% change from the first price within the last `minutes` (None without an earlier price)."""
        since = at - timedelta(minutes=minutes)
        for moment, old in self._points.get(symbol, ()):
            if moment >= since and moment < at:
                return (price / old - 1) * 100 if old else None
        return None


def metric(rule: Rule, obs: Observation) -> float | None:
    """The figure `rule` compares, or None when this observation does not carry it."""
    if rule.kind in (Kind.PRICE_ABOVE, Kind.PRICE_BELOW):
        return obs.price
    if rule.kind == Kind.PCT_DAY:
        return obs.pct_today
    if rule.kind == Kind.PCT_WINDOW:
        return (obs.minutes or {}).get(rule.minutes or 0)
    return (obs.metrics or {}).get(rule.kind.value)


class RuleBook:
    """Enabled rules by symbol with their crossing states, kept in step with the database."""

    def __init__(self, kinds: frozenset[Kind]) -> None:
        self.kinds = kinds
        self.by_symbol: dict[str, list[Rule]] = {}

    def load(self, engine: Engine) -> None:
        with engine.connect() as conn:
            fresh = rules_db.all_rules(conn, enabled_only=True, kinds=self.kinds)
        held = {r.id: r.state for rules in self.by_symbol.values() for r in rules}
        by_symbol: dict[str, list[Rule]] = {}
        for rule in fresh:
            mine = held.get(rule.id)
            if mine is not None:
                rule = replace(rule, state=_merge(mine, rule.state))
            by_symbol.setdefault(rule.symbol, []).append(rule)
        self.by_symbol = by_symbol

    def update(self, rule: Rule, state: State) -> None:
        rules = self.by_symbol.get(rule.symbol, [])
        self.by_symbol[rule.symbol] = [replace(r, state=state) if r.id == rule.id else r for r in rules]


def _merge(mine: State, stored: State) -> State:
    """The stored crossing state (another process may have moved it) with the newest time seen."""
    if (mine.seq, mine.armed, mine.fired) == (stored.seq, stored.armed, stored.fired):
        return mine
    newest = max((t for t in (mine.seen_at, stored.seen_at) if t is not None), default=None)
    return replace(stored, seen_at=newest)


class Checker:
    """Checks offered quotes against the intraday rules on a thread of its own."""

    def __init__(
        self,
        engine: Engine,
        channels: list[Channel],
        *,
        app_url: str | None,
        on_fired: Callable[[Fired], None] = lambda fired: None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.app_url = app_url
        self.on_fired = on_fired
        self.book = RuleBook(INTRADAY)
        self.history = PriceHistory()
        self.checked = 0
        self._inbox: deque[tuple[Quote, datetime]] = deque(maxlen=INBOX_MAX)
        self._event = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loaded_at = datetime.min.replace(tzinfo=UTC)

    def offer(self, quote: Quote) -> None:
        """Queue one quote (called by the live writer for every quote it takes)."""
        self._inbox.append((quote, datetime.now(UTC)))
        self._event.set()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="alert-check", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._event.wait(RULES_SECONDS)
            self._event.clear()
            try:
                self.drain()
            except Exception as exc:  # database away: the quotes wait in the inbox
                log.warning("alert check failed: %s", error_text(exc))
                self._stop.wait(1.0)

    def drain(self, now: datetime | None = None) -> list[Fired]:
        """Check every queued quote (reading the rules again when they are RULES_SECONDS old)."""
        now = now or datetime.now(UTC)
        if (now - self._loaded_at).total_seconds() >= RULES_SECONDS or now < self._loaded_at:
            self.book.load(self.engine)
            self._loaded_at = now
        fired: list[Fired] = []
        if not self._inbox:
            return fired
        # One transaction for what the queued quotes change: a burst (the first quotes arming
        # hundreds of rules) is one commit, not hundreds. Sent only once it is committed.
        taken = [self._inbox.popleft() for _ in range(min(len(self._inbox), BATCH))]
        try:
            with contextlib.ExitStack() as stack:
                opened: list[Connection] = []

                def conn() -> Connection:  # begun on the first change: most quotes change nothing
                    if not opened:
                        opened.append(stack.enter_context(self.engine.begin()))
                    return opened[0]

                for quote, received in taken:
                    fired += self.check(quote, received, conn=conn)
        except Exception:
            self._inbox.extendleft(reversed(taken))  # checked again: stored states skip what was seen
            self._loaded_at = datetime.min.replace(tzinfo=UTC)  # memory may be ahead of the database
            raise
        for one in fired:
            self.on_fired(one)
        if self._inbox:
            self._event.set()
        return fired

    def check(
        self, quote: Quote, received_at: datetime, *, conn: Callable[[], Connection] | None = None
    ) -> list[Fired]:
        """Step every rule on `quote`'s symbol (in `conn()`'s transaction if given); the firings."""
        self.checked += 1
        rules = self.book.by_symbol.get(quote.symbol, [])
        windows = {r.minutes for r in rules if r.kind == Kind.PCT_WINDOW and r.minutes}
        obs = Observation(
            symbol=quote.symbol,
            at=quote.time,
            received_at=received_at,
            price=quote.price,
            pct_today=quote.pct_change,
            minutes={
                n: m
                for n in windows
                if (m := self.history.move(quote.symbol, quote.time, quote.price, n)) is not None
            },
        )
        self.history.add(quote.symbol, quote.time, quote.price)
        fired = []
        for rule in rules:
            value = metric(rule, obs)
            if value is None:
                continue
            if step(rule.kind, rule.value, rule.state, value, obs.at) == Action.NONE:
                self.book.update(rule, replace(rule.state, seen_at=max(obs.at, rule.state.seen_at or obs.at)))
                continue
            state, fresh = observe(
                conn() if conn else self.engine,
                rule,
                obs,
                value,
                channels=self.channels,
                app_url=self.app_url,
            )
            self.book.update(rule, state)
            if fresh is not None:
                fired.append(fresh)
                if conn is None:
                    self.on_fired(fresh)
        return fired
