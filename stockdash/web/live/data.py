"""What the live view reads: quotes and minute bars through the process's shared live reads.

The quotes come from the same domain function as /api/quotes (stockdash.live.latest), as typed rows;
every viewer in a process shares the same reads (one a second per key, see
stockdash.live.shared_reads), so the live view's refreshes do not multiply database reads with the
number of visitors.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from stockdash.calendar import NEW_YORK
from stockdash.db import utc
from stockdash.live import closes
from stockdash.live.closes import DailySession
from stockdash.live.hours import session_day
from stockdash.live.latest import Latest, LiveQuote, latest
from stockdash.live.shared_reads import MinuteBar, SharedReads
from stockdash.web.services import Services

SPARK_POINTS = 60
# Sparklines (a day at a glance) and last daily closes (new once a day) are re-read this often.
DAY_READS_SECONDS = 15.0
NOTHING = Latest({}, None, {})  # the answer for no symbols (or a database that did not answer)


def quotes(services: Services, symbols: list[str]) -> Latest:
    """The latest quotes of `symbols` (a symbol that is not live is recorded as wanted, as the API does)."""
    return latest(services.live, services.settings.watchlist_symbols, symbols)


def utc_of(text: object) -> datetime | None:
    """A time the browser holds (written by the server as ISO 8601 UTC); None when it is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return utc(moment)


def day_start(day: date) -> datetime:
    """Midnight in New York, as UTC: where a session's minute bars start."""
    return datetime.combine(day, time(0), NEW_YORK).astimezone(UTC)


def ny_date(moment: datetime) -> date:
    return moment.astimezone(NEW_YORK).date()


def last_sessions(
    services: Services, day_reads: SharedReads, symbols: list[str], day: date
) -> dict[str, DailySession]:
    """Each symbol's last stored daily session on or before `day` (shared, re-read now and then)."""
    if not symbols:
        return {}

    def load() -> dict[str, DailySession]:
        with services.engine_if_up().connect() as conn:
            return closes.last_sessions(conn, symbols, on_or_before=day)

    found: dict[str, DailySession] = day_reads.get(("closes", tuple(symbols), day), load)
    return found


def bars_from(services: Services, symbol: str, since: datetime, *, day: date) -> list[MinuteBar]:
    """Minute bars of `symbol` from `since` (included) to the end of New York `day`."""
    end = day_start(day + timedelta(days=1))
    rows = services.live.bars(symbol, since - timedelta(microseconds=1))
    return [r for r in rows if r.minute < end]


def day_bars(services: Services, symbol: str, day: date) -> list[MinuteBar]:
    return bars_from(services, symbol, day_start(day), day=day)


def sparkline(
    services: Services, day_reads: SharedReads, symbol: str, quote: LiveQuote | None, now: datetime
) -> list[float]:
    """Up to SPARK_POINTS closes of the symbol's last session, its latest quote last."""
    day = session_day(symbol, now)

    def load() -> list[float]:
        closes = [round(float(b.close), 4) for b in day_bars(services, symbol, day)]
        step = max(1, -(-len(closes) // (SPARK_POINTS - 1)))
        return closes[::step]

    points = list(day_reads.get(("spark", symbol, day), load))
    if quote and ny_date(quote.time) == day:
        points.append(round(quote.price, 4))
    return points
