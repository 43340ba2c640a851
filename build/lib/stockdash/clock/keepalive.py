"""Keep the web dyno awake outside the downtime window; a failed ping is logged, never raised."""

from __future__ import annotations

import logging
import time as monotonic_clock
from datetime import datetime, time

import requests

from stockdash.calendar import NEW_YORK
from stockdash.clock.triggers import in_window

log = logging.getLogger("stockdash.clock")

# Connect and read timeouts: a sleeping dyno answers slowly, but the request alone wakes it,
# and a ping must never hold the clock's shutdown (10 s) for long.
PING_TIMEOUT = (3.05, 5.0)

HOURS_PER_MONTH = 730  # 365 * 24 / 12, the month Heroku counts dyno hours in
FREE_HOURS = 550  # Heroku's former free tier (1000 with a verified card)
ECO_HOURS = 1000  # Heroku eco: a pool shared by every eco dyno of the account


def ping(app_url: str, *, window: tuple[time, time] | None, now: datetime | None = None) -> bool:
    """GET APP_URL/healthz unless `now` is inside the downtime window; True when it answered 2xx."""
    now = (now or datetime.now(NEW_YORK)).astimezone(NEW_YORK)
    if in_window(now.time(), window):
        log.info("job=keepalive skipped: inside downtime window")
        return False
    url = app_url.rstrip("/") + "/healthz"
    started = monotonic_clock.monotonic()
    try:
        response = requests.get(url, timeout=PING_TIMEOUT)
    except requests.Timeout:
        log.warning("job=keepalive url=%s timeout after %.1fs", url, monotonic_clock.monotonic() - started)
        return False
    except Exception as exc:  # DNS, refused, TLS...: the clock carries on regardless
        log.warning("job=keepalive url=%s error=%s", url, type(exc).__name__ + ": " + str(exc)[:200])
        return False
    seconds = monotonic_clock.monotonic() - started
    level = logging.INFO if response.ok else logging.WARNING
    log.log(level, "job=keepalive url=%s status=%s seconds=%.2f", url, response.status_code, seconds)
    return response.ok


def awake_hours_per_day(window: tuple[time, time] | None) -> float:
    """Hours a day the pings keep the web dyno up: 24 minus the window (which may wrap midnight)."""
    if window is None:
        return 24.0
    start, end = (t.hour * 60 + t.minute for t in window)
    return 24 - ((end - start) % (24 * 60)) / 60


def dyno_hours_line(downtime: str, window: tuple[time, time] | None) -> str:
    """One log line: the monthly web-dyno hours the window implies and whether they fit Heroku's quotas."""
    daily = awake_hours_per_day(window)
    monthly = daily * HOURS_PER_MONTH / 24
    eco, free = ("yes" if monthly <= quota else "no" for quota in (ECO_HOURS, FREE_HOURS))
    return (
        f"downtime={downtime} web awake {daily:g} h/day = about {monthly:.0f} h/month of "
        f"{HOURS_PER_MONTH} (fits {ECO_HOURS} eco hours: {eco}; {FREE_HOURS} free hours: {free})"
    )
