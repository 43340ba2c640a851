"""What `worker.py status`, `alerts deliveries` and the owner's page read: firings and deliveries."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from stockdash.db import utc
from stockdash.schema import alert_deliveries, alert_firings


def last_firings(conn: Connection, *, limit: int = 5) -> list[dict]:
    """The newest firings, each with its deliveries' statuses counted (`{"sent": 2, "pending": 1}`)."""
    rows = (
        conn.execute(select(alert_firings).order_by(alert_firings.c.id.desc()).limit(limit)).mappings().all()
    )
    ids = [r["id"] for r in rows]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        c = alert_deliveries.c
        for firing_id, status, n in conn.execute(
            select(c.firing_id, c.status, func.count())
            .where(c.firing_id.in_(ids))
            .group_by(c.firing_id, c.status)
        ):
            counts[firing_id][status] = n
    return [
        {
            **dict(r),
            "fired_at": utc(r["fired_at"]),
            "deliveries": counts[r["id"]],
            "headline": r["message"].splitlines()[0],
        }
        for r in rows
    ]


def deliveries(conn: Connection, *, limit: int = 20) -> list[dict]:
    """The newest deliveries with their firing's symbol and headline."""
    c = alert_deliveries.c
    rows = conn.execute(
        select(alert_deliveries, alert_firings.c.symbol, alert_firings.c.message)
        .join(alert_firings, alert_firings.c.id == c.firing_id)
        .order_by(c.id.desc())
        .limit(limit)
    ).mappings()
    return [
        {**dict(r), "created_at": utc(r["created_at"]), "headline": r["message"].splitlines()[0]}
        for r in rows
    ]


def failing_channels(conn: Connection, *, now: datetime, within: timedelta = timedelta(days=1)) -> list[dict]:
    """Channels with a delivery retrying now or given up within `within`: label, counts, last error."""
    c = alert_deliveries.c
    failing = ((c.status == "pending") & (c.error != "")) | (
        (c.status == "failed") & (c.created_at >= now - within)
    )
    rows = conn.execute(select(c.channel, c.status, c.error, c.id).where(failing).order_by(c.id)).mappings()
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(
            r["channel"], {"channel": r["channel"], "retrying": 0, "failed": 0, "error": ""}
        )
        entry["retrying" if r["status"] == "pending" else "failed"] += 1
        entry["error"] = r["error"]
    return list(out.values())


def status_lines(conn: Connection, *, now: datetime) -> list[str]:
    """`worker.py status`'s alert lines: the last firings and any failing channel (masked)."""
    lines = []
    firings = last_firings(conn)
    if not firings:
        lines.append("alerts        : no firing yet")
    for f in firings:
        counts = " ".join(f"{k}={v}" for k, v in sorted(f["deliveries"].items())) or "no channel"
        lines.append(f"alert fired   : {f['fired_at']:%Y-%m-%d %H:%M %Z} {f['headline'][:90]} [{counts}]")
    for ch in failing_channels(conn, now=now):
        lines.append(
            f"alert channel : {ch['channel']} FAILING retrying={ch['retrying']} gave_up={ch['failed']} "
            f"last error: {ch['error'][:120]}"
        )
    return lines
