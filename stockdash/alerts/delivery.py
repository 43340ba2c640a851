"""One delivery: claim it (a lease), send it through Apprise, record how it went.

The same three steps serve the clock's own sender and the RQ job. A sender killed mid-send
leaves the lease to run out; the delivery is then due again and another sender takes it, so a
pending delivery is never lost. A failure is retried with backoff until ALERT_GIVE_UP_MINUTES
after the firing, then marked failed with the channel's (masked) error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, and_, or_, select, update

from stockdash.alerts.channels import Channel, scrub
from stockdash.db import utc
from stockdash.errors import error_text
from stockdash.schema import alert_deliveries, alert_firings

log = logging.getLogger("stockdash.alerts")

# Longer than a send can take (Apprise's connect and read timeouts below, with margin).
LEASE_SECONDS = 20
BACKOFF_SECONDS = (1, 2, 5, 15, 30, 60, 120, 300)
# Apprise's defaults wait up to 15 s to connect; a dead channel must not hold a sender that long.
TIMEOUTS = {"cto": "4", "rto": "6"}
TITLE = "stockdash alert"

_quiet = logging.getLogger("apprise")
_quiet.propagate = False  # Apprise's own lines may name a host or a token: ours say it, masked
_quiet.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Claimed:
    id: int
    firing_id: int
    channel_key: str
    channel: str
    attempts: int
    created_at: datetime
    message: str


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1] if attempts else 0)


def due(conn: Connection, *, now: datetime, limit: int = 100) -> list[tuple[int, int]]:
    """(id, attempts) of pending deliveries whose time has come and that no sender holds."""
    c = alert_deliveries.c
    stmt = (
        select(c.id, c.attempts)
        .where(c.status == "pending", c.next_at <= now, or_(c.lease_until.is_(None), c.lease_until < now))
        .order_by(c.next_at, c.id)
        .limit(limit)
    )
    return [(r.id, r.attempts) for r in conn.execute(stmt)]


def claim(engine: Engine, delivery_id: int, *, now: datetime, lease: float = LEASE_SECONDS) -> Claimed | None:
    """Take the delivery for `lease` seconds and count the attempt; None if it is not ours to send."""
    c = alert_deliveries.c
    free = and_(
        c.id == delivery_id,
        c.status == "pending",
        c.next_at <= now,
        or_(c.lease_until.is_(None), c.lease_until < now),
    )
    with engine.begin() as conn:
        taken = conn.execute(
            update(alert_deliveries)
            .where(free)
            .values(lease_until=now + timedelta(seconds=lease), attempts=c.attempts + 1)
        ).rowcount
        if not taken:
            return None
        row = (
            conn.execute(
                select(alert_deliveries, alert_firings.c.message)
                .join(alert_firings, alert_firings.c.id == c.firing_id)
                .where(c.id == delivery_id)
            )
            .mappings()
            .one()
        )
    return Claimed(
        id=row["id"],
        firing_id=row["firing_id"],
        channel_key=row["channel_key"],
        channel=row["channel"],
        attempts=row["attempts"],
        created_at=utc(row["created_at"]),
        message=row["message"],
    )


def _with_timeouts(url: str) -> str:
    extra = "&".join(f"{k}={v}" for k, v in TIMEOUTS.items() if f"{k}=" not in url)
    return url + ("&" if "?" in url else "?") + extra if extra else url


def send(
    channel: Channel, body: str, *, title: str = TITLE, channels: list[Channel] | None = None
) -> str | None:
    """Send through Apprise; None when the channel took it, else its error with the URL masked."""
    import apprise

    notes: list[str] = []
    try:
        sender = apprise.Apprise()
        if not sender.add(_with_timeouts(channel.url)):
            return "Apprise cannot use this channel URL"
        ok = bool(
            sender.notify(
                body=body,
                title=title,
                body_format=apprise.NotifyFormat.TEXT,  # plain lines: no markdown or HTML to interpret
                log_callback=lambda entry, _plugin: notes.append(entry.message),
                log_level=logging.WARNING,
            )
        )
    except Exception as exc:  # a plugin's bug must cost this delivery, never the sender
        ok, notes = False, [error_text(exc)]
    if ok:
        return None
    return scrub(" ".join(notes) or "the channel refused the message", channels or [channel])[:500]


def finish(
    engine: Engine, claimed: Claimed, error: str | None, *, now: datetime, give_up_after: timedelta
) -> str:
    """Record the attempt: sent, pending again after a backoff, or failed for good; the status."""
    c = alert_deliveries.c
    if error is None:
        values: dict = {"status": "sent", "sent_at": now, "lease_until": None, "error": ""}
    elif now + backoff(claimed.attempts) - claimed.created_at > give_up_after:
        values = {"status": "failed", "lease_until": None, "error": error}
    else:
        values = {"next_at": now + backoff(claimed.attempts), "lease_until": None, "error": error}
    with engine.begin() as conn:
        conn.execute(
            update(alert_deliveries).where(c.id == claimed.id, c.status == "pending").values(**values)
        )
    status = values.get("status", "pending")
    level = logging.INFO if error is None else logging.WARNING
    log.log(
        level,
        "alert delivery=%d firing=%d channel=%s attempt=%d status=%s%s",
        claimed.id,
        claimed.firing_id,
        claimed.channel,
        claimed.attempts,
        status,
        f" error={error}" if error else "",
    )
    return status


def deliver(
    engine: Engine,
    delivery_id: int,
    channels: list[Channel],
    *,
    give_up_after: timedelta,
    now: datetime | None = None,
) -> str | None:
    """Claim, send and record one delivery; its status, or None when another sender holds it."""
    claimed = claim(engine, delivery_id, now=now or datetime.now(UTC))
    if claimed is None:
        return None
    channel = next((c for c in channels if c.key == claimed.channel_key), None)
    if channel is None:  # only the owner's configured channels are ever contacted: give up now
        gone = "this channel is no longer in ALERT_CHANNELS"
        return finish(engine, claimed, gone, now=datetime.now(UTC), give_up_after=timedelta(0))
    error = send(channel, claimed.message, channels=channels)
    return finish(engine, claimed, error, now=datetime.now(UTC), give_up_after=give_up_after)
