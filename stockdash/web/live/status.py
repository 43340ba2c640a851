"""The market status line: open, pre-market, post-market or closed, when the next open is, and
when stocks stream again while they do not."""

from __future__ import annotations

from datetime import datetime

from stockdash.calendar import NEW_YORK
from stockdash.live.hours import next_open, session_at, stocks_stream_from, trading_day

HALF_DAY_CLOSE_HOUR = 13


def _clock(moment: datetime) -> str:
    return moment.astimezone(NEW_YORK).strftime("%H:%M")


def _day_and_clock(moment: datetime) -> str:
    return moment.astimezone(NEW_YORK).strftime("%a %d %b %H:%M")


def market_status(now: datetime) -> tuple[str, str]:
    """(session, the line in words) for `now`, with NYSE holidays and half days."""
    session = session_at(now)
    local = now.astimezone(NEW_YORK)
    today = trading_day(local.date())
    opens = next_open(now)
    after = trading_day(opens.astimezone(NEW_YORK).date())
    next_half = (
        " (half day)" if after and after.close.astimezone(NEW_YORK).hour == HALF_DAY_CLOSE_HOUR else ""
    )
    if session == "regular" and today is not None:
        half = " (half day)" if today.close.astimezone(NEW_YORK).hour == HALF_DAY_CLOSE_HOUR else ""
        return session, f"Market open · closes {_clock(today.close)} ET{half}"
    if session == "pre":
        return session, f"Pre-market · opens {_clock(opens)} ET{next_half}"
    if session == "post" and today is not None:
        until = _clock(today.post_close)
        return session, f"Post-market until {until} ET · next open {_day_and_clock(opens)} ET{next_half}"
    why = " (holiday)" if today is None and local.weekday() < 5 else ""
    streams = stocks_stream_from(now)
    return "closed", f"Market closed{why} · next open {_day_and_clock(opens)} ET{next_half} · {streams}"
