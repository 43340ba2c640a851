"""The clock's jobs as one flat list, and their coming fire times for `--print-schedule`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from stockdash.calendar import NEW_YORK
from stockdash.clock.live_edges import PreMarketOpenTrigger, post_market_close_trigger
from stockdash.clock.triggers import KeepAliveTrigger, TradingCloseTrigger
from stockdash.config import Settings

# A daily run may start this late (the executor was busy, the host stalled) and still be useful.
DAILY_GRACE = timedelta(hours=6)
HOUSEKEEPING_GRACE = timedelta(hours=2)
# A session edge only makes the live ingest re-read its set (it does so every few seconds anyway).
LIVE_EDGE = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


class Jobs(Protocol):
    """What the clock runs; the real one is `stockdash.clock.main.ClockJobs`."""

    def daily(self) -> None: ...
    def keepalive(self) -> None: ...
    def housekeeping(self) -> None: ...
    def live_edge(self, name: str) -> None: ...


def build_scheduler(
    settings: Settings, jobs: Jobs, *, catch_up_at: datetime | None = None
) -> BlockingScheduler:
    """A scheduler in New York time with every job added (not started, so nothing runs yet).

    `catch_up_at` makes the daily job's first run that moment: the catch-up goes through the
    same job, so `max_instances=1` keeps it from overlapping the regular after-close run.
    """
    scheduler = BlockingScheduler(
        timezone=NEW_YORK,
        # Missed runs collapse into one; never two copies of a job at once.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    first_run = {"next_run_time": catch_up_at} if catch_up_at else {}

    # After the NYSE close (16:00, 13:00 on half days) + PULL_DELAY_MINUTES, so the day's bars are final.
    scheduler.add_job(
        jobs.daily,
        TradingCloseTrigger(timedelta(minutes=settings.pull_delay_minutes)),
        id="daily",
        name="daily",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(DAILY_GRACE.total_seconds()),
        **first_run,
    )
    # 03:00 New York: no market, no users, and clear of the 01:00-02:59 hours that DST repeats or skips.
    scheduler.add_job(
        jobs.housekeeping,
        CronTrigger(hour=3, minute=0, timezone=NEW_YORK),
        id="housekeeping",
        name="housekeeping",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(HOUSEKEEPING_GRACE.total_seconds()),
    )
    # 04:00 New York on trading days: pre-market opens, stocks join the live stream.
    # 20:00 (17:00 on half days): post-market closes, stocks leave it; crypto and FX stream on.
    # Either edge does the same: re-read the live set (stocks join or leave by the hour).
    for name, trigger in (("live_open", PreMarketOpenTrigger()), ("live_close", post_market_close_trigger())):
        scheduler.add_job(jobs.live_edge, trigger, args=[name], id=name, name=name, **LIVE_EDGE)
    if settings.app_url:
        # Every KEEPALIVE_MINUTES (< 30, the web dyno's idle limit) except inside DOWNTIME.
        scheduler.add_job(
            jobs.keepalive,
            KeepAliveTrigger(settings.keepalive_minutes, settings.downtime_window),
            id="keepalive",
            name="keepalive",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=settings.keepalive_minutes * 60 // 2,
        )
    return scheduler


def upcoming(scheduler: BlockingScheduler, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
    """Every fire time in [start, end) of every job, in order, straight from the jobs' own triggers."""
    fires: list[tuple[datetime, str]] = []
    # Compare instants by timestamp: datetimes sharing one tzinfo compare by wall clock and would
    # put the repeated 01:00-01:59 of a DST fall-back out of order.
    for job in scheduler.get_jobs():
        fire = job.trigger.get_next_fire_time(None, start)
        while fire is not None and fire.timestamp() < end.timestamp():
            fires.append((fire.astimezone(NEW_YORK), job.name))
            fire = job.trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return sorted(fires, key=lambda item: (item[0].timestamp(), item[1]))


def schedule_lines(scheduler: BlockingScheduler, start: datetime, end: datetime) -> list[str]:
    """`ISO-datetime-with-offset job-name`, one per fire time."""
    return [f"{fire.isoformat()} {name}" for fire, name in upcoming(scheduler, start, end)]
