"""The job list itself, and `--print-schedule` over ranges with a DST change, Thanksgiving and Christmas."""

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from stockdash.calendar import NEW_YORK
from stockdash.clock.main import print_schedule
from stockdash.clock.schedule import build_scheduler
from stockdash.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def make_settings(**values) -> Settings:
    return Settings(_env_file=None, provider="demo", **values)


class NoJobs:
    def daily(self) -> None: ...
    def keepalive(self) -> None: ...
    def housekeeping(self) -> None: ...
    def live_edge(self, name: str) -> None: ...


def test_every_job_single_instance_coalesced_with_grace():
    scheduler = build_scheduler(make_settings(app_url="https://example.test"), NoJobs())
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"daily", "housekeeping", "keepalive", "live_open", "live_close"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time > 0
    assert scheduler.timezone is NEW_YORK


def test_no_keepalive_without_app_url():
    assert {job.id for job in build_scheduler(make_settings(), NoJobs()).get_jobs()} == {
        "daily",
        "housekeeping",
        "live_open",
        "live_close",
    }


def daily_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.endswith(" daily")]


def test_print_schedule_across_dst_and_thanksgiving():
    start = datetime(2026, 10, 29, tzinfo=NEW_YORK)
    lines = print_schedule(make_settings(), start=start, days=35)
    assert daily_lines(lines)[:4] == [
        "2026-10-29T16:30:00-04:00 daily",
        "2026-10-30T16:30:00-04:00 daily",
        "2026-11-02T16:30:00-05:00 daily",  # after the clocks went back on Sunday 11-01
        "2026-11-03T16:30:00-05:00 daily",
    ]
    around_thanksgiving = [line for line in daily_lines(lines) if "2026-11-2" in line or "2026-11-30" in line]
    assert around_thanksgiving == [
        "2026-11-20T16:30:00-05:00 daily",
        "2026-11-23T16:30:00-05:00 daily",
        "2026-11-24T16:30:00-05:00 daily",
        "2026-11-25T16:30:00-05:00 daily",
        "2026-11-27T13:30:00-05:00 daily",  # half day; none on Thanksgiving 11-26
        "2026-11-30T16:30:00-05:00 daily",
    ]
    # 35 days from 10-29 hold 25 weekdays, one of them Thanksgiving.
    assert len(daily_lines(lines)) == 24
    housekeeping = [line for line in lines if line.endswith(" housekeeping")]
    assert len(housekeeping) == 35 and all("T03:00:00-0" in line for line in housekeeping)
    assert lines == sorted(lines, key=lambda line: datetime.fromisoformat(line.split()[0]))


def test_print_schedule_christmas():
    start = datetime(2026, 12, 23, tzinfo=NEW_YORK)
    assert daily_lines(print_schedule(make_settings(), start=start, days=7)) == [
        "2026-12-23T16:30:00-05:00 daily",
        "2026-12-24T13:30:00-05:00 daily",  # Christmas Eve half day; Christmas and the weekend: none
        "2026-12-28T16:30:00-05:00 daily",
        "2026-12-29T16:30:00-05:00 daily",
    ]


def test_print_schedule_pull_delay_setting():
    start = datetime(2026, 11, 27, tzinfo=NEW_YORK)
    lines = print_schedule(make_settings(pull_delay_minutes=90), start=start, days=1)
    assert daily_lines(lines) == ["2026-11-27T14:30:00-05:00 daily"]


def test_print_schedule_keepalive_outside_window_every_day():
    settings = make_settings(app_url="https://example.test", keepalive_minutes=20, downtime="02:00-07:00")
    lines = print_schedule(settings, start=datetime(2026, 10, 31, tzinfo=NEW_YORK), days=3)
    per_day = Counter(line.split("T")[0] for line in lines if line.endswith(" keepalive"))
    # 19 awake hours x 3 pings; 11-01 is 25 hours long, its repeated 01:00 hour adds 3.
    assert per_day == {"2026-10-31": 57, "2026-11-01": 60, "2026-11-02": 57}
    times = [line.split()[0][11:16] for line in lines if line.endswith(" keepalive")]
    assert "01:40" in times and "07:00" in times
    assert not [t for t in times if "02:00" <= t < "07:00"]


def test_print_schedule_wrapping_window():
    settings = make_settings(app_url="https://example.test", keepalive_minutes=15, downtime="22:00-03:00")
    lines = print_schedule(settings, start=datetime(2026, 11, 24, tzinfo=NEW_YORK), days=1)
    times = [line.split()[0][11:16] for line in lines if line.endswith(" keepalive")]
    assert times[0] == "03:00" and times[-1] == "21:45" and len(times) == 19 * 4
    assert not [t for t in times if t >= "22:00" or t < "03:00"]


def test_print_schedule_cli_needs_no_database():
    env = {
        **os.environ,
        # Nothing listens on port 1: any connection attempt would fail the run.
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "PROVIDER": "auto",
        "APP_URL": "https://example.test",
        "KEEPALIVE_MINUTES": "20",
        "DOWNTIME": "02:00-07:00",
        "PULL_DELAY_MINUTES": "30",
    }
    out = subprocess.run(
        [sys.executable, "clock.py", "--print-schedule", "--days", "2", "--from", "2026-11-27"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    assert out[0] == "2026-11-27T00:00:00-05:00 keepalive"
    assert "2026-11-27T03:00:00-05:00 housekeeping" in out
    assert "2026-11-27T13:30:00-05:00 daily" in out
    assert out[-1] == "2026-11-28T23:40:00-05:00 keepalive"
    # Friday 11-27 is a half day: post-market closes at 17:00; Saturday has no session edges.
    assert [line for line in out if " live_" in line] == [
        "2026-11-27T04:00:00-05:00 live_open",
        "2026-11-27T17:00:00-05:00 live_close",
    ]
    assert len(out) == 2 * (57 + 1) + 1 + 2
    for line in out:
        moment, name = line.split(" ")
        assert datetime.fromisoformat(moment).utcoffset() is not None and name in {
            "daily",
            "housekeeping",
            "keepalive",
            "live_open",
            "live_close",
        }


def test_print_schedule_cli_rejects_bad_arguments():
    for args in (["--days", "0"], ["--from", "next tuesday"]):
        run = subprocess.run(
            [sys.executable, "clock.py", "--print-schedule", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2 and run.stdout == "" and "error" in run.stderr
