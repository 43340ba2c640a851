"""What the strip shows: each symbol's last two stored daily closes (no provider call on a page load)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from cachetools import TTLCache, cached
from sqlalchemy import Engine, func, select

from stockdash.schema import daily_bars

if TYPE_CHECKING:
    from stockdash.web.services import Services


@dataclass(frozen=True)
class Last:
    """A symbol's newest stored close and the one before (None when only one session is stored)."""

    symbol: str
    day: date
    close: float
    previous: float | None

    @property
    def pct_change(self) -> float | None:
        if not self.previous:
            return None
        return (self.close / self.previous - 1) * 100


def last_closes(engine: Engine, symbols: list[str]) -> dict[str, Last]:
    """The newest two closes of each symbol, in one query read off the (symbol, date) key."""
    if not symbols:
        return {}
    newest = func.row_number().over(partition_by=daily_bars.c.symbol, order_by=daily_bars.c.date.desc())
    ranked = (
        select(daily_bars.c.symbol, daily_bars.c.date, daily_bars.c.close, newest.label("n"))
        .where(daily_bars.c.symbol.in_(symbols))
        .subquery()
    )
    stmt = select(ranked.c.symbol, ranked.c.date, ranked.c.close).where(ranked.c.n <= 2).order_by(ranked.c.n)
    found: dict[str, Last] = {}
    with engine.connect() as conn:
        for symbol, day, close in conn.execute(stmt):
            if close is None:
                continue
            if symbol not in found:
                found[symbol] = Last(symbol, day, float(close), None)
            else:
                found[symbol] = Last(symbol, found[symbol].day, found[symbol].close, float(close))
    return found


# Closes change once a day (a pull): every page view need not read them.
@cached(
    TTLCache(maxsize=8, ttl=10),
    key=lambda services, symbols: (services.database_url, *symbols),
    lock=threading.Lock(),
)
def cached_last_closes(services: Services, symbols: tuple[str, ...]) -> dict[str, Last]:
    return last_closes(services.engine_if_up(), list(symbols))
