"""The crossing state machine alone: when a rule arms, fires and re-arms."""

from datetime import timedelta

from stockdash.alerts.crossing import Action, State, after, step
from stockdash.alerts.kinds import Kind
from tests.alerts.quotes import T0


def _walk(kind: Kind, value: float, metrics: list[float]) -> list[Action]:
    actions, state = [], State()
    for n, m in enumerate(metrics):
        at = T0 + timedelta(seconds=n)
        action = step(kind, value, state, m, at)
        actions.append(action)
        state = after(kind, state, action, m, value, at)
        if action == Action.REARM:  # the same observation may fire the next crossing
            again = step(kind, value, state, m, at)
            state = after(kind, state, again, m, value, at)
        state = State(state.seq, state.armed, state.fired, state.fired_at, at)
    return actions


def test_a_crossing_rule_needs_the_other_side_first():
    # The first quote is already above 200: it sets the side, nothing fires until it dips and crosses.
    assert _walk(Kind.PRICE_ABOVE, 200, [201, 202, 199, 200.5]) == [
        Action.NONE,
        Action.NONE,
        Action.ARM,
        Action.FIRE,
    ]


def test_hovering_at_the_level_fires_once_until_it_clears_the_band():
    # Band: 0.2 % of 200 = 0.40. 199.9 and 199.7 are within it; 199.5 clears it.
    actions = _walk(Kind.PRICE_ABOVE, 200, [199, 200.1, 199.9, 200.2, 199.7, 200.3, 199.5, 200.1])
    assert actions[:6].count(Action.FIRE) == 1
    assert actions[6:] == [Action.REARM, Action.FIRE]  # cleared by the band: the next crossing fires


def test_a_replayed_or_older_observation_changes_nothing():
    state = State(seq=0, armed=True, seen_at=T0)
    assert step(Kind.PRICE_ABOVE, 200, state, 250, T0) == Action.NONE
    assert step(Kind.PRICE_ABOVE, 200, state, 250, T0 - timedelta(seconds=1)) == Action.NONE
    assert step(Kind.PRICE_ABOVE, 200, state, 250, T0 + timedelta(milliseconds=1)) == Action.FIRE


def test_a_move_from_the_previous_close_fires_at_once_and_again_next_session():
    state = State()
    assert step(Kind.PCT_DAY, 3, state, -3.2, T0) == Action.FIRE
    fired = after(Kind.PCT_DAY, state, Action.FIRE, -3.2, 3, T0)
    assert step(Kind.PCT_DAY, 3, fired, -3.5, T0 + timedelta(hours=1)) == Action.NONE
    assert step(Kind.PCT_DAY, 3, fired, -3.5, T0 + timedelta(days=1)) == Action.REARM


def test_rsi_crosses_below_30_only_from_above():
    assert _walk(Kind.RSI_BELOW, 30, [35, 29]) == [Action.ARM, Action.FIRE]
    assert _walk(Kind.RSI_BELOW, 30, [28, 27]) == [Action.NONE, Action.NONE]
