"""The clock's one line about the live set: what streams now, and when the rest will.

"live set: 1 symbols (0 refused: slots full)" for a 13-symbol watchlist at 03:00 read as if
twelve symbols had been lost; they only wait for the stock streaming hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from stockdash.calendar import NEW_YORK
from stockdash.live.hours import trading_day


def stocks_stream_from(moment: datetime) -> datetime:
    """When stocks next stream: `moment` itself inside the extended day, else the next 04:00 ET."""
    day = moment.astimezone(NEW_YORK).date()
    for offset in range(15):
        edges = trading_day(day + timedelta(days=offset))
        if edges is not None and moment < edges.post_close:
            return max(moment, edges.pre_open)
    return moment  # past the calendar's end: say nothing wrong, just "now"


def live_set_line(*, streaming: int, waiting: int, refused: int, now: datetime) -> str:
    """'live set: 1 symbol streaming; 12 wait for stock hours (stocks stream from 04:00 ET)'."""
    parts = [f"live set: {streaming} symbol{'s' if streaming != 1 else ''} streaming"]
    if waiting:
        start = stocks_stream_from(now).astimezone(NEW_YORK)
        when = (
            f"{start:%H:%M} ET" if start.date() == now.astimezone(NEW_YORK).date() else f"{start:%a %H:%M} ET"
        )
        parts.append(f"{waiting} wait for stock hours (stocks stream from {when})")
    if refused:
        parts.append(f"{refused} refused (LIVE_MAX_SYMBOLS slots full)")
    return "; ".join(parts)
