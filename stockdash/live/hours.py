"""Market sessions in New York: pre 04:00-09:30, regular to the close, post to 20:00 (17:00 on half days).

Holidays and half days come from the NYSE calendar (exchange-calendars, via stockdash.calendar);
crypto and FX symbols (`BTC-USD`, `EURUSD=X`) trade around the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

import pandas as pd

from stockdash.calendar import NEW_YORK, nyse

Session = Literal["pre", "regular", "post", "closed"]

PRE_OPEN = time(4, 0)
# Extended hours end four hours after the close: 20:00, or 17:00 after a 13:00 half-day close.
POST_HOURS = timedelta(hours=4)
_CRYPTO_QUOTES = ("-USD", "-EUR", "-GBP", "-USDT", "-BTC")


def trades_around_the_clock(symbol: str) -> bool:
    """Crypto pairs (BTC-USD) and currencies (EURUSD=X) have no closing bell."""
    return symbol.endswith("=X") or symbol.endswith(_CRYPTO_QUOTES)


@dataclass(frozen=True)
class Day:
    """One NYSE trading day's edges, tz-aware."""

    pre_open: datetime
    open: datetime
    close: datetime
    post_close: datetime


def trading_day(day: date) -> Day | None:
    """The edges of `day`, or None when the NYSE does not trade that day (weekend, holiday)."""
    cal = nyse()
    ts = pd.Timestamp(day)
    if ts < cal.first_session or ts > cal.last_session or not cal.is_session(ts):
        return None
    close = cal.session_close(ts).to_pydatetime()
    return Day(
        pre_open=datetime.combine(day, PRE_OPEN, NEW_YORK),
        open=cal.session_open(ts).to_pydatetime(),
        close=close,
        post_close=close + POST_HOURS,
    )


def session_at(moment: datetime) -> Session:
    """The NYSE session at `moment`: pre, regular, post, or closed."""
    day = trading_day(moment.astimezone(NEW_YORK).date())
    if day is None or not day.pre_open <= moment < day.post_close:
        return "closed"
    if moment < day.open:
        return "pre"
    return "regular" if moment < day.close else "post"


def is_streaming(symbol: str, moment: datetime) -> bool:
    """Whether `symbol` should be streamed at `moment`: around the clock, or in extended hours."""
    return trades_around_the_clock(symbol) or session_at(moment) != "closed"


def next_open(moment: datetime) -> datetime:
    """The next regular-session open strictly after `moment`."""
    cal = nyse()
    day = moment.astimezone(NEW_YORK).date()
    for offset in range(15):
        edges = trading_day(day + timedelta(days=offset))
        if edges is not None and edges.open > moment:
            return edges.open
    return cal.session_open(cal.last_session).to_pydatetime()


def session_from_frame(market_hours: int | None) -> str:
    """Yahoo's `market_hours` (absent when 0): 0 pre, 1 regular, 2 post, 3 extended (post)."""
    return {0: "pre", 1: "regular", 2: "post", 3: "post"}.get(market_hours or 0, "pre")


def last_session(moment: datetime) -> date:
    """The NYSE day of the last session that has begun by `moment` (its pre-market counts): at
    02:48 on a Thursday that is Wednesday; on a Saturday, Friday; on Thanksgiving, the Wednesday."""
    day = moment.astimezone(NEW_YORK).date()
    for back in range(15):
        edges = trading_day(day - timedelta(days=back))
        if edges is not None and edges.pre_open <= moment:
            return day - timedelta(days=back)
    return day


def session_day(symbol: str, moment: datetime) -> date:
    """The day a symbol's live view shows at `moment`: crypto's own 24-hour New York day, or the
    last NYSE session that has begun."""
    if trades_around_the_clock(symbol):
        return moment.astimezone(NEW_YORK).date()
    return last_session(moment)


def next_stream_start(moment: datetime) -> datetime:
    """When stocks stream next after `moment`: the next trading day's 04:00 pre-market."""
    day = moment.astimezone(NEW_YORK).date()
    for offset in range(15):
        edges = trading_day(day + timedelta(days=offset))
        if edges is not None and edges.pre_open > moment:
            return edges.pre_open
    return datetime.combine(day + timedelta(days=15), PRE_OPEN, NEW_YORK)


def streams_from(symbol: str, moment: datetime) -> str | None:
    """When `symbol`'s stream opens next, in words ("streams from 04:00 ET", the day too when it
    is not today: "streams from Mon 30 Nov 04:00 ET"); None while it streams."""
    return None if trades_around_the_clock(symbol) else stocks_stream_from(moment)


def stocks_stream_from(moment: datetime) -> str | None:
    """When stocks stream next, in words (as `streams_from`); None while they stream."""
    if session_at(moment) != "closed":
        return None
    start = next_stream_start(moment).astimezone(NEW_YORK)
    if start.date() == moment.astimezone(NEW_YORK).date():
        return f"streams from {start:%H:%M} ET"
    return f"streams from {start:%a %d %b %H:%M} ET"
