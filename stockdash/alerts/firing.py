"""A rule's step stored: arm and re-arm as conditional updates, a firing as a unique row.

The firing row (rule, crossing) and one pending delivery per channel are written in one
transaction before anything is sent. Two clocks, a restart or a replayed quote that reach the
same crossing find the row there (or the rule's seq moved on) and do nothing: at most one firing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stockdash.alerts import messages
from stockdash.alerts.channels import Channel, selected
from stockdash.alerts.crossing import Action, State, after, step
from stockdash.alerts.rules import Rule, from_row
from stockdash.db import is_postgres
from stockdash.schema import alert_deliveries, alert_firings, alert_rules

log = logging.getLogger("stockdash.alerts")


@dataclass(frozen=True)
class Fired:
    firing_id: int
    rule_id: int
    message: str
    deliveries: list[int]


def _same_state(state: State) -> ColumnElement[bool]:
    c = alert_rules.c
    return (c.seq == state.seq) & (c.armed.is_(state.armed)) & (c.fired.is_(state.fired))


def _stored_state(conn: Connection, rule_id: int) -> State | None:
    row = conn.execute(select(alert_rules).where(alert_rules.c.id == rule_id)).mappings().first()
    return from_row(row).state if row else None


def _move(conn: Connection, rule: Rule, old: State, new: State) -> bool:
    """Store `new` if the rule is still in `old` (nobody moved it meanwhile)."""
    stmt = (
        update(alert_rules)
        .where(alert_rules.c.id == rule.id, _same_state(old))
        .values(seq=new.seq, armed=new.armed, fired=new.fired, fired_at=new.fired_at, seen_at=new.seen_at)
    )
    return conn.execute(stmt).rowcount == 1


def _record_firing(
    conn: Connection,
    rule: Rule,
    state: State,
    obs: messages.Observation,
    metric: float,
    *,
    channels: list[Channel],
    app_url: str | None,
    now: datetime,
) -> Fired | None:
    """The firing row and its deliveries; None when this crossing was already recorded."""
    line = messages.headline(rule.kind, rule.value, rule.minutes, obs, metric)
    text = messages.compose(line, note=rule.note, link=messages.chart_link(app_url, rule.symbol))
    insert = pg_insert if is_postgres(conn) else sqlite_insert
    stmt = (
        insert(alert_firings)
        .values(
            rule_id=rule.id,
            crossing=state.seq,
            symbol=rule.symbol,
            kind=rule.kind.value,
            observed_at=obs.at,
            received_at=obs.received_at,
            fired_at=now,
            price=obs.price,
            message=text,
        )
        .on_conflict_do_nothing(index_elements=[alert_firings.c.rule_id, alert_firings.c.crossing])
        .returning(alert_firings.c.id)
    )
    firing_id = conn.execute(stmt).scalar()
    if firing_id is None:
        return None
    targets = selected(rule.channels, channels)
    ids = []
    if targets:
        rows = [
            {
                "firing_id": firing_id,
                "channel_key": c.key,
                "channel": c.label,
                "status": "pending",
                "attempts": 0,
                "error": "",
                "created_at": now,
                "next_at": now,
            }
            for c in targets
        ]
        ids = list(conn.execute(alert_deliveries.insert().returning(alert_deliveries.c.id), rows).scalars())
    return Fired(firing_id=firing_id, rule_id=rule.id, message=text, deliveries=ids)


def observe(
    engine: Engine | Connection,
    rule: Rule,
    obs: messages.Observation,
    metric: float,
    *,
    channels: list[Channel],
    app_url: str | None,
    now: datetime | None = None,
) -> tuple[State, Fired | None]:
    """Step `rule` on one observation and store what changed; the state now, and the firing if any.

    Given an engine, each change is its own transaction; given a connection, the caller's
    transaction holds them (the checker stores a batch of quotes' changes at once). A step
    another process took first is not an error: the stored state is read back instead.
    """
    if isinstance(engine, Connection):
        return _observe(engine, rule, obs, metric, channels=channels, app_url=app_url, now=now)
    with engine.begin() as conn:
        return _observe(conn, rule, obs, metric, channels=channels, app_url=app_url, now=now)


def _observe(
    conn: Connection,
    rule: Rule,
    obs: messages.Observation,
    metric: float,
    *,
    channels: list[Channel],
    app_url: str | None,
    now: datetime | None,
) -> tuple[State, Fired | None]:
    state = rule.state
    fired = None
    for _ in range(2):  # a re-arm may let the same observation fire the next crossing
        action = step(rule.kind, rule.value, state, metric, obs.at)
        if action == Action.NONE:
            break
        new = after(rule.kind, state, action, metric, rule.value, obs.at)
        if action == Action.FIRE:
            when = now or datetime.now(UTC)
            fired = _record_firing(
                conn, rule, state, obs, metric, channels=channels, app_url=app_url, now=when
            )
            if fired is None or not _move(conn, rule, state, new):
                return (_stored_state(conn, rule.id) or state), fired
            log.info("alert fired rule=%d crossing=%d %s", rule.id, state.seq, rule.describe())
        elif not _move(conn, rule, state, new):
            return (_stored_state(conn, rule.id) or state), None
        state = new
        if action != Action.REARM:
            break
    latest = state.seen_at if state.seen_at and state.seen_at > obs.at else obs.at
    return replace(state, seen_at=latest), fired


def prune_history(conn: Connection, *, before: datetime) -> int:
    """Delete firings older than `before` whose deliveries are all done, with those deliveries.

    A firing's unique row is what stops a crossing firing twice, but a rule's seq only moves on,
    so an old (rule, crossing) can never come back: its row can go once nothing is left to send.
    """
    d = alert_deliveries.c
    old = select(alert_firings.c.id).where(alert_firings.c.fired_at < before)
    unsent = select(d.firing_id).where(d.status == "pending")
    done = old.where(alert_firings.c.id.not_in(unsent))
    ids = [row.id for row in conn.execute(done)]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(alert_deliveries.delete().where(d.firing_id.in_(chunk)))
        conn.execute(alert_firings.delete().where(alert_firings.c.id.in_(chunk)))
    return len(ids)
