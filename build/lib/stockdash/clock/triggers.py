"""APScheduler triggers that a plain CronTrigger cannot express: NYSE closes and a keep-alive with a gap."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from apscheduler.triggers.base import BaseTrigger

from stockdash.calendar import NEW_YORK, close_time, sessions

# How far ahead to look for the next session at a time (longest NYSE closure is a few days).
_SEARCH_DAYS = 14
_ONE_MICROSECOND = timedelta(microseconds=1)


def in_window(moment: time, window: tuple[time, time] | None) -> bool:
    """Whether a local wall-clock time lies in [start, end); a window with start > end wraps midnight."""
    if window is None:
        return False
    start, end = window
    moment = moment.replace(tzinfo=None)
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


class TradingCloseTrigger(BaseTrigger):
    """Fire `delay` after the NYSE close of every trading day (16:00, or 13:00 on half days).

    The calendar comes from exchange-calendars, so holidays and half days need no table of ours;
    fire times are New York wall-clock times, whatever the DST offset of the day.
    """

    __slots__ = ("delay",)

    def __init__(self, delay: timedelta) -> None:
        self.delay = delay

    def fire_time(self, day: date) -> datetime:
        return (close_time(day) + self.delay).astimezone(NEW_YORK)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        start = previous_fire_time + _ONE_MICROSECOND if previous_fire_time else now
        # Start a day early: with a long delay yesterday's fire time may still be ahead.
        day = start.astimezone(NEW_YORK).date() - timedelta(days=1)
        while True:
            days = sessions(day, day + timedelta(days=_SEARCH_DAYS))
            if not days:
                return None  # past the end of the calendar exchange-calendars knows
            for session in days:
                fire = self.fire_time(session)
                if fire.timestamp() >= start.timestamp():  # instants, not wall clocks (DST)
                    return fire
            day = days[-1] + timedelta(days=1)

    def __str__(self) -> str:
        return f"nyse_close(+{self.delay})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} (delay={self.delay!r})>"


class KeepAliveTrigger(BaseTrigger):
    """Fire every `minutes`, on instants aligned to the epoch, except inside a local downtime window.

    Aligning to the epoch keeps the fire times the same however often the clock restarts (with 20
    minutes: :00, :20, :40 local), and DST needs no special case: steps are real minutes, the window
    is checked on the New York wall clock.
    """

    __slots__ = ("step", "window")

    def __init__(self, minutes: int, window: tuple[time, time] | None) -> None:
        self.step = minutes * 60
        self.window = window

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        if previous_fire_time:
            slot = math.floor(previous_fire_time.timestamp() / self.step) + 1
        else:
            slot = math.ceil(now.timestamp() / self.step)
        # A window is shorter than a day, so a day's worth of slots always finds one outside it.
        for _ in range(24 * 3600 // self.step + 2):
            fire = datetime.fromtimestamp(slot * self.step, NEW_YORK)
            if not in_window(fire.time(), self.window):
                return fire
            slot += 1
        return None

    def __str__(self) -> str:
        return f"keepalive(every {self.step // 60} min, not in {self.window})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} (step={self.step}s, window={self.window!r})>"
