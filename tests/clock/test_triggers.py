"""Fire times pinned on tz-aware datetimes: DST, Thanksgiving and its half day, Christmas, weekends."""

from datetime import UTC, datetime, time, timedelta

import pytest

from stockdash.calendar import NEW_YORK
from stockdash.clock.triggers import KeepAliveTrigger, TradingCloseTrigger, in_window

NY = NEW_YORK


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def fires(trigger, start: datetime, count: int) -> list[datetime]:
    """The next `count` fire times, stepping the way APScheduler does (previous fire time in)."""
    out = [trigger.get_next_fire_time(None, start)]
    while len(out) < count:
        out.append(trigger.get_next_fire_time(out[-1], out[-1]))
    return out


def iso(times: list[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


DAILY = TradingCloseTrigger(timedelta(minutes=30))


def test_daily_across_dst_change():
    # Friday 2026-10-30 is EDT (-04:00); the clocks go back on Sunday 2026-11-01; Monday is EST.
    assert iso(fires(DAILY, ny(2026, 10, 29, 17, 0), 3)) == [
        "2026-10-30T16:30:00-04:00",
        "2026-11-02T16:30:00-05:00",
        "2026-11-03T16:30:00-05:00",
    ]


def test_daily_thanksgiving_and_half_day():
    # Thu 11-26 closed; Fri 11-27 closes at 13:00; nothing on the weekend.
    assert iso(fires(DAILY, ny(2026, 11, 25, 12, 0), 3)) == [
        "2026-11-25T16:30:00-05:00",
        "2026-11-27T13:30:00-05:00",
        "2026-11-30T16:30:00-05:00",
    ]


def test_daily_christmas_eve_half_day_and_christmas():
    assert iso(fires(DAILY, ny(2026, 12, 23, 17, 0), 3)) == [
        "2026-12-24T13:30:00-05:00",
        "2026-12-28T16:30:00-05:00",
        "2026-12-29T16:30:00-05:00",
    ]


def test_daily_weekend_goes_to_monday():
    assert DAILY.get_next_fire_time(None, ny(2026, 12, 5, 10, 0)) == ny(2026, 12, 7, 16, 30)  # Sat -> Mon
    assert DAILY.get_next_fire_time(None, ny(2026, 12, 4, 16, 31)) == ny(2026, 12, 7, 16, 30)  # Fri after


def test_daily_boundaries():
    # `now` exactly at the fire time fires then; a previous fire time moves on to the next session.
    assert DAILY.get_next_fire_time(None, ny(2026, 11, 27, 13, 30)) == ny(2026, 11, 27, 13, 30)
    half_day = ny(2026, 11, 27, 13, 30)
    assert DAILY.get_next_fire_time(half_day, half_day) == ny(2026, 11, 30, 16, 30)
    # A previous fire time long ago: the scheduler walks run times one by one (coalesce keeps the last).
    previous, now = ny(2026, 11, 20, 16, 30), ny(2026, 11, 25, 9, 0)
    assert DAILY.get_next_fire_time(previous, now) == ny(2026, 11, 23, 16, 30)


def test_daily_answers_in_new_york_time_from_any_zone():
    fire = DAILY.get_next_fire_time(None, datetime(2026, 11, 27, 18, 0, tzinfo=UTC))  # 13:00 in New York
    assert fire.isoformat() == "2026-11-27T13:30:00-05:00"
    assert fire.tzinfo is NY


@pytest.mark.parametrize(
    "delay,expected", [(0, "2026-11-27T13:00:00-05:00"), (360, "2026-11-27T19:00:00-05:00")]
)
def test_daily_delay_is_from_that_days_close(delay, expected):
    trigger = TradingCloseTrigger(timedelta(minutes=delay))
    assert trigger.get_next_fire_time(None, ny(2026, 11, 27, 0, 0)).isoformat() == expected


def test_daily_past_the_calendar_returns_none():
    assert DAILY.get_next_fire_time(None, ny(2099, 1, 1)) is None  # beyond even ten years ahead


DOWNTIME = (time(2, 0), time(7, 0))
WRAPPING = (time(22, 0), time(3, 0))


@pytest.mark.parametrize(
    "moment,inside",
    [
        (time(1, 59), False),
        (time(1, 59, 59), False),
        (time(2, 0), True),
        (time(4, 30), True),
        (time(6, 59, 59), True),
        (time(7, 0), False),
        (time(12, 0), False),
    ],
)
def test_in_window(moment, inside):
    assert in_window(moment, DOWNTIME) is inside


@pytest.mark.parametrize(
    "moment,inside",
    [
        (time(21, 59), False),
        (time(22, 0), True),
        (time(23, 59, 59), True),
        (time(0, 0), True),
        (time(2, 59), True),
        (time(3, 0), False),
        (time(12, 0), False),
    ],
)
def test_in_wrapping_window(moment, inside):
    assert in_window(moment, WRAPPING) is inside


def test_no_window_never_inside():
    assert not in_window(time(3, 0), None)


def test_keepalive_skips_exactly_the_window():
    trigger = KeepAliveTrigger(20, DOWNTIME)
    assert iso(fires(trigger, ny(2026, 11, 24, 1, 0), 5)) == [
        "2026-11-24T01:00:00-05:00",
        "2026-11-24T01:20:00-05:00",
        "2026-11-24T01:40:00-05:00",
        "2026-11-24T07:00:00-05:00",  # 02:00 is inside, 07:00 (the end) is outside
        "2026-11-24T07:20:00-05:00",
    ]


def test_keepalive_wrapping_window():
    trigger = KeepAliveTrigger(20, WRAPPING)
    assert iso(fires(trigger, ny(2026, 11, 24, 21, 30), 4)) == [
        "2026-11-24T21:40:00-05:00",
        "2026-11-25T03:00:00-05:00",
        "2026-11-25T03:20:00-05:00",
        "2026-11-25T03:40:00-05:00",
    ]


def test_keepalive_window_with_odd_minutes():
    # Window 01:50-02:10 with 7-minute steps: never more than 7 minutes apart outside it, none inside.
    window = (time(1, 50), time(2, 10))
    times = fires(KeepAliveTrigger(7, window), ny(2026, 11, 24, 0, 0), 60)
    assert not [t for t in times if in_window(t.time(), window)]
    gaps = [(b - a).total_seconds() / 60 for a, b in zip(times, times[1:], strict=False)]
    spanning = [g for g in gaps if g != 7]
    assert len(spanning) == 1 and spanning[0] <= 20 + 7  # only the hop over the window is longer


def test_keepalive_across_dst_fall_back():
    # 01:00-01:59 happens twice on 2026-11-01: pings go on every 20 real minutes through both.
    trigger = KeepAliveTrigger(20, DOWNTIME)
    assert iso(fires(trigger, ny(2026, 11, 1, 1, 0), 8)) == [
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:20:00-04:00",
        "2026-11-01T01:40:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T01:20:00-05:00",
        "2026-11-01T01:40:00-05:00",
        "2026-11-01T07:00:00-05:00",
        "2026-11-01T07:20:00-05:00",
    ]


def test_keepalive_no_window_every_step():
    times = fires(KeepAliveTrigger(20, None), ny(2026, 11, 24, 1, 55), 4)
    assert iso(times) == [
        "2026-11-24T02:00:00-05:00",
        "2026-11-24T02:20:00-05:00",
        "2026-11-24T02:40:00-05:00",
        "2026-11-24T03:00:00-05:00",
    ]
