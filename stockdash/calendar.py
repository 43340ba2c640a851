"""NYSE trading days and closing times (holidays and half days from exchange-calendars)."""

from __future__ import annotations

import threading
import warnings
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

NEW_YORK = ZoneInfo("America/New_York")


_build_lock = threading.Lock()


def nyse() -> xcals.ExchangeCalendar:
    """The calendar, built once per process. Threads asking first at once (the live poll's) wait
    for one build: each build would take a second, and `catch_warnings` below is not thread-safe."""
    with _build_lock:
        return _build_nyse()


@lru_cache
def _build_nyse() -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():
        # exchange-calendars 4.13 builds its tables with a pandas 3 deprecation; harmless here.
        warnings.filterwarnings(
            "ignore", message="Series.values returning an ndarray", category=DeprecationWarning
        )
        # Ten years ahead (the library's default is one): a clock that is never restarted must
        # not run off the end of its calendar and lose its daily job.
        end = pd.Timestamp.today().normalize() + pd.DateOffset(years=10)
        return xcals.get_calendar("XNYS", start="1990-01-02", end=end)


def sessions(start: date, end: date) -> list[date]:
    """Trading dates with start <= date <= end, clipped to what the calendar covers."""
    cal = nyse()
    start = max(pd.Timestamp(start), cal.first_session)
    end = min(pd.Timestamp(end), cal.last_session)
    if start > end:
        return []
    return [ts.date() for ts in cal.sessions_in_range(start, end)]


def is_session(day: date) -> bool:
    return nyse().is_session(pd.Timestamp(day))


def close_time(day: date) -> datetime:
    """When the session of `day` closes, in New York time (13:00 on half days)."""
    return nyse().session_close(pd.Timestamp(day)).tz_convert(NEW_YORK).to_pydatetime()


def last_closed_session(now: datetime | None = None) -> date:
    """The latest trading date whose session has closed at `now` (tz-aware; default: now)."""
    now = now or datetime.now(NEW_YORK)
    cal = nyse()
    day = now.astimezone(NEW_YORK).date()
    ts = pd.Timestamp(day)
    session = ts if cal.is_session(ts) else cal.date_to_session(ts, direction="previous")
    if cal.session_close(session) > pd.Timestamp(now):
        session = cal.previous_session(session)
    return session.date()


def previous_session(day: date) -> date:
    """The last session before `day`, which may itself be a weekend or a holiday."""
    cal, ts = nyse(), pd.Timestamp(day)
    if cal.is_session(ts):
        return cal.previous_session(ts).date()
    return cal.date_to_session(ts, direction="previous").date()
