"""What the live view reads: quotes and minute bars through the process's shared live reads.

Every viewer in a process shares the same reads (one a second per key, see stockdash.live.shared_reads), so
the live view's refreshes do not multiply database reads with the number of visitors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from stockdash.calendar import NEW_YORK
from stockdash.db import utc
from stockdash.live.shared_reads import SharedReads
from stockdash.web.api.live import quotes_answer
from stockdash.web.services import Services

SPARK_POINTS = 60
SPARK_SECONDS = 15.0  # a sparkline is a day at a glance: its minute points are re-read this often


@dataclass(frozen=True)
class Quotes:
    by_symbol: dict[str, dict]  # as /api/quotes serves them
    market: dict  # {"session", "next_open"}
    not_live: dict[str, str]  # symbol -> why it has no live quote yet, in words

    @property
    def is_demo(self) -> bool:
        return any(q.get("source") == "demo" for q in self.by_symbol.values())


def quotes(services: Services, symbols: list[str]) -> Quotes:
    """The latest quotes of `symbols` (a symbol that is not live is recorded as wanted, as the API does)."""
    answer = quotes_answer(services.live, symbols)
    return Quotes(
        by_symbol={q["symbol"]: q for q in answer["quotes"]},
        market=answer["market"],
        not_live={n["symbol"]: n["message"] for n in answer["not_live"]},
    )


def quote_time(quote: dict) -> datetime:
    return utc(datetime.fromisoformat(str(quote["time"]).replace("Z", "+00:00")))


def day_start(day: date) -> datetime:
    """Midnight in New York, as UTC: where a session's minute bars start."""
    return datetime.combine(day, time(0), NEW_YORK).astimezone(UTC)


def session_day(quote: dict | None, now: datetime) -> date:
    """The New York day the live chart shows: the latest quote's (the last session when closed)."""
    moment = quote_time(quote) if quote else now
    return moment.astimezone(NEW_YORK).date()


def bars_from(services: Services, symbol: str, since: datetime, *, day: date) -> list[dict]:
    """Minute bars of `symbol` from `since` (included) to the end of New York `day`."""
    end = day_start(day + timedelta(days=1))
    rows = services.live.bars(symbol, since - timedelta(microseconds=1))
    return [r for r in rows if r["minute"] < end]


def day_bars(services: Services, symbol: str, day: date) -> list[dict]:
    return bars_from(services, symbol, day_start(day), day=day)


def previous_close(quote: dict | None) -> float | None:
    """The close the day's change is measured against, as the quote itself says."""
    if not quote or quote.get("change") is None:
        return None
    return float(quote["price"]) - float(quote["change"])


def sparkline(
    services: Services, sparks: SharedReads, symbol: str, quote: dict | None, now: datetime
) -> list:
    """Up to SPARK_POINTS closes of the symbol's session, the latest price last."""
    day = session_day(quote, now)

    def load() -> list[float]:
        closes = [round(float(b["close"]), 4) for b in day_bars(services, symbol, day)]
        step = max(1, -(-len(closes) // (SPARK_POINTS - 1)))
        return closes[::step]

    points = list(sparks.get(("spark", symbol, day), load))
    if quote:
        points.append(round(float(quote["price"]), 4))
    return points
