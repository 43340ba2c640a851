"""One-minute bars from quotes: OHLC of the price in Yahoo-time order, volume from day-volume deltas.

Frames are snapshots that may repeat or arrive late; a frame is never dropped for being old.
Within a minute the open is the earliest-time quote and the close the latest (on a tie, the one
that arrived later). A minute's volume is its largest day volume minus the previous minute's
(same New York date), or minus its own smallest when no earlier minute of the day is known.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime

from stockdash.calendar import NEW_YORK
from stockdash.live.frames import Quote


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class RunningBar:
    """The running OHLC of one symbol's minute; keys are (Yahoo time, arrival number)."""

    open: float
    high: float
    low: float
    close: float
    open_key: tuple[datetime, int]
    close_key: tuple[datetime, int]
    dv_min: int | None = None
    dv_max: int | None = None
    volume: int | None = None

    @classmethod
    def first(cls, quote: Quote, arrival: int) -> RunningBar:
        key = (quote.time, arrival)
        bar = cls(quote.price, quote.price, quote.price, quote.price, key, key)
        bar._volume_seen(quote.day_volume)
        return bar

    def add(self, quote: Quote, arrival: int) -> None:
        key = (quote.time, arrival)
        self.high = max(self.high, quote.price)
        self.low = min(self.low, quote.price)
        if key < self.open_key:
            self.open, self.open_key = quote.price, key
        if key >= self.close_key:
            self.close, self.close_key = quote.price, key
        self._volume_seen(quote.day_volume)

    def _volume_seen(self, day_volume: int | None) -> None:
        if day_volume is None:
            return
        self.dv_min = day_volume if self.dv_min is None else min(self.dv_min, day_volume)
        self.dv_max = day_volume if self.dv_max is None else max(self.dv_max, day_volume)


@dataclass
class SymbolBars:
    """One symbol's minutes in memory, sorted, so a late frame can fix its minute and the next."""

    minutes: list[datetime] = field(default_factory=list)
    bars: dict[datetime, RunningBar] = field(default_factory=dict)

    def following(self, minute: datetime) -> datetime | None:
        i = bisect.bisect_right(self.minutes, minute)
        return self.minutes[i] if i < len(self.minutes) else None

    def insert(self, minute: datetime, bar: RunningBar) -> None:
        bisect.insort(self.minutes, minute)
        self.bars[minute] = bar


def _ny_date(minute: datetime) -> date:
    return minute.astimezone(NEW_YORK).date()


class BarBuilder:
    """Minute bars for many symbols; `take_dirty()` hands over the bars changed since last asked."""

    def __init__(self) -> None:
        self._symbols: dict[str, SymbolBars] = {}
        self._dirty: set[tuple[str, datetime]] = set()
        self._arrivals = 0

    def known(self, symbol: str) -> bool:
        return symbol in self._symbols

    def seed(self, symbol: str, minute: datetime, bar: RunningBar) -> None:
        """A stored bar (from before a restart), so new frames extend it rather than replace it."""
        self._symbols.setdefault(symbol, SymbolBars()).insert(minute, bar)

    def add(self, quote: Quote) -> None:
        self._arrivals += 1
        minute = minute_of(quote.time)
        book = self._symbols.setdefault(quote.symbol, SymbolBars())
        bar = book.bars.get(minute)
        if bar is None:
            book.insert(minute, RunningBar.first(quote, self._arrivals))
        else:
            bar.add(quote, self._arrivals)
        self._dirty.add((quote.symbol, minute))
        # The next minute's volume is a delta against this one: it may change too.
        following = book.following(minute)
        if following is not None and quote.day_volume is not None:
            self._dirty.add((quote.symbol, following))

    def take_dirty(self) -> list[tuple[str, datetime, RunningBar]]:
        """The bars changed since the last call, their volumes brought up to date."""
        out = []
        for symbol, minute in sorted(self._dirty):
            book = self._symbols[symbol]
            bar = book.bars[minute]
            bar.volume = self._volume(book, minute, bar)
            out.append((symbol, minute, bar))
        self._dirty.clear()
        return out

    @staticmethod
    def _volume(book: SymbolBars, minute: datetime, bar: RunningBar) -> int | None:
        if bar.dv_max is None:
            return None
        base = bar.dv_min
        day = _ny_date(minute)
        for j in range(bisect.bisect_left(book.minutes, minute) - 1, -1, -1):
            earlier = book.minutes[j]
            if _ny_date(earlier) != day:
                break  # day volume starts again from zero each day
            if book.bars[earlier].dv_max is not None:
                base = book.bars[earlier].dv_max
                break
        return max(bar.dv_max - (base or 0), 0)

    def forget_before(self, cutoff: datetime) -> None:
        """Drop minutes older than `cutoff` from memory (they stay stored)."""
        for book in self._symbols.values():
            i = bisect.bisect_left(book.minutes, cutoff)
            for minute in book.minutes[:i]:
                del book.bars[minute]
            del book.minutes[:i]


def stored_bar(
    *, minute: datetime, open: float, high: float, low: float, close: float, day_volume: int | None
) -> RunningBar:
    """A bar read back from the database; its frames' times are unknown, so both keys are its minute."""
    key = (minute, 0)
    bar = RunningBar(open, high, low, close, key, key)
    bar.dv_min = bar.dv_max = day_volume
    return bar
