"""One step of a rule's crossing state on one observation: nothing, arm, fire or re-arm.

Pure: the caller stores the step with a conditional update on `seq`, so two processes that
take the same step on the same state change it once (see `firing.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from stockdash.alerts.kinds import SPECS, Kind, band
from stockdash.calendar import NEW_YORK


class Action(StrEnum):
    NONE = "none"
    ARM = "arm"  # the figure was seen on the other side of the level
    FIRE = "fire"  # crossing `seq` happened: record it, then send it
    REARM = "rearm"  # back past the level (or a new session): the next crossing is seq + 1


@dataclass(frozen=True)
class State:
    seq: int = 0
    armed: bool = False
    fired: bool = False
    fired_at: datetime | None = None
    seen_at: datetime | None = None


def _session(moment: datetime) -> object:
    return moment.astimezone(NEW_YORK).date()


def step(kind: Kind, value: float, state: State, metric: float, at: datetime) -> Action:
    """What the observation `metric` at `at` does to `state` (a replayed or older one: nothing)."""
    if state.seen_at is not None and at <= state.seen_at:
        return Action.NONE
    spec = SPECS[kind]
    if state.fired:
        new_session = (
            spec.session_scoped and state.fired_at is not None and _session(at) != _session(state.fired_at)
        )
        return Action.REARM if new_session or spec.cleared(metric, value, band(kind, value)) else Action.NONE
    if spec.holds(metric, value):
        return Action.FIRE if state.armed or not spec.crossing else Action.NONE
    return Action.NONE if state.armed or not spec.crossing else Action.ARM


def after(kind: Kind, state: State, action: Action, metric: float, value: float, at: datetime) -> State:
    """The state once `action` is stored."""
    if action == Action.ARM:
        return replace(state, armed=True, seen_at=at)
    if action == Action.FIRE:
        return replace(state, fired=True, fired_at=at, seen_at=at)
    if action == Action.REARM:
        # Re-armed by a new session while still beyond: a crossing kind waits for the other side.
        armed = not SPECS[kind].crossing or not SPECS[kind].holds(metric, value)
        return State(seq=state.seq + 1, armed=armed, fired=False, fired_at=None, seen_at=state.seen_at)
    return state
