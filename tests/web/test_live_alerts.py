"""Alert rules over recorded quote sequences: fires once, re-arms, the window moves, gaps in the data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stockdash.live.latest import LiveQuote
from stockdash.web.live.alerts import (
    BadRule,
    Observation,
    evaluate,
    make_rule,
    parse_rules,
    step,
)

T0 = 1_800_000_000.0  # a fixed epoch second


def run(rule, sequence: list[tuple[float, float, float | None]]) -> list[float]:
    """Step `rule` over (seconds after T0, price, pct) and return the seconds at which it fired."""
    state: dict | None = None
    fired = []
    for seconds, price, pct in sequence:
        state, now = step(rule, state, Observation(T0 + seconds, price, pct))
        if now:
            fired.append(seconds)
    return fired


def prices(*points: tuple[float, float]) -> list[tuple[float, float, None]]:
    return [(s, p, None) for s, p in points]


def test_a_crossing_fires_once_and_rearms_only_after_it_clears():
    rule = make_rule({"symbol": "aapl", "kind": "above", "value": 100})
    seq = prices((0, 99), (2, 99.5), (4, 100.2), (6, 101), (8, 102), (10, 100.5), (12, 99.9), (14, 100.1))
    # Fires when it crosses at 4 s, stays quiet above, re-arms below at 12 s, fires again at 14 s.
    assert run(rule, seq) == [4, 14]


def test_the_same_quote_on_every_refresh_fires_once():
    rule = make_rule({"symbol": "MSFT", "kind": "below", "value": 50})
    state, _ = step(rule, None, Observation(T0 - 10, 51.0))  # the side: above the level
    fired = 0
    for _ in range(10):  # ten refreshes that all carry the same (old) quote
        state, now = step(rule, state, Observation(T0, 49.0))
        fired += now
    assert fired == 1
    # An older quote arriving late changes nothing either.
    state, now = step(rule, state, Observation(T0 - 5, 48.0))
    assert not now and state["armed"] is False


def test_day_change_beyond_either_way():
    rule = make_rule({"symbol": "SPY", "kind": "day", "value": -2})  # ±2 %, whatever the sign typed
    assert rule.value == 2
    seq = [(0, 1, 0.5), (1, 1, -1.9), (2, 1, -2.1), (3, 1, -3.0), (4, 1, 1.0), (5, 1, 2.4), (6, 1, None)]
    assert run(rule, seq) == [2, 5]


def test_move_within_minutes_fires_on_a_fast_move_not_on_a_slow_one():
    rule = make_rule({"symbol": "NVDA", "kind": "move", "value": 1, "minutes": 5})
    # +1.2 % in 2 minutes: fires.
    assert run(rule, prices((0, 100), (60, 100.4), (120, 101.2))) == [120]
    # +1.2 % over 12 minutes, 0.2 % a minute and more: the window moves with time, nothing fires.
    slow = prices(*[(60 * i, 100 * (1 + 0.001 * i)) for i in range(13)])
    assert run(rule, slow) == []


def test_move_window_moves_so_old_extremes_drop_out_and_rule_rearms():
    rule = make_rule({"symbol": "NVDA", "kind": "move", "value": 1, "minutes": 5})
    seq = prices(
        (0, 100),
        (30, 98.8),  # down 1.2 % from the high of the window: fires
        (60, 98.7),  # still down: held, quiet
        (400, 98.7),  # the 100 has left the 5-minute window: condition cleared, re-armed
        (420, 97.5),  # down 1.2 % from 98.7 within the window: fires again
    )
    assert run(rule, seq) == [30, 420]


def test_a_gap_longer_than_the_window_is_not_a_move():
    rule = make_rule({"symbol": "TSLA", "kind": "move", "value": 2, "minutes": 10})
    # The page was hidden for an hour; the price moved 5 % meanwhile: no window to measure against.
    assert run(rule, prices((0, 200), (3600, 210), (3660, 210.5))) == []
    # A gap inside the window still measures against what was seen before it.
    assert run(rule, prices((0, 200), (300, 205))) == [300]


@pytest.mark.parametrize(
    ("kind", "first", "after", "fires_at"),
    [
        # Created on the far side: the first quote only sets the side; it must come back and cross.
        ("above", 105, [(2, 106), (4, 99), (6, 101)], [6]),
        ("below", 95, [(2, 94), (4, 101), (6, 99)], [6]),
        # Created on the near side: the first crossing fires.
        ("above", 95, [(2, 99.99), (4, 100), (6, 101)], [4]),
        ("below", 105, [(2, 100.01), (4, 100), (6, 99)], [4]),
        # Created at the level: neither side yet for a cross; a price beyond it then back is one.
        ("above", 100, [(2, 100), (4, 101), (6, 99.5), (8, 100.5)], [8]),
        ("below", 100, [(2, 100), (4, 99), (6, 100.5), (8, 99.5)], [8]),
    ],
)
def test_a_cross_needs_a_price_on_the_other_side_first(kind, first, after, fires_at):
    """Issue 20: "crosses below 308.48" created at 303.48 fired at once; the first quote sets the side."""
    rule = make_rule({"symbol": "BTC-USD", "kind": kind, "value": 100})
    assert run(rule, prices((0, first), *after)) == fires_at


def test_a_crossing_across_a_gap_fires():
    rule = make_rule({"symbol": "AAPL", "kind": "above", "value": 150})
    assert run(rule, prices((0, 140), (7200, 155), (7202, 156))) == [7200]


def test_window_state_stays_small_whatever_the_refresh_rate():
    rule = make_rule({"symbol": "AAPL", "kind": "move", "value": 50, "minutes": 30})
    state = None
    for i in range(3600):  # an hour of quotes, one a second
        state, _ = step(rule, state, Observation(T0 + i, 100 + (i % 7) * 0.01))
    assert len(state["window"]) <= 31


def live_quote(symbol: str, price: float, pct: float, at: datetime) -> LiveQuote:
    return LiveQuote(symbol, price, None, pct, at, "regular", None, "demo")


def test_evaluate_steps_each_rule_with_its_symbol_and_keeps_state_without_a_quote():
    rules = parse_rules(
        [
            {"id": "a", "symbol": "AAPL", "kind": "above", "value": 100},
            {"id": "b", "symbol": "MSFT", "kind": "below", "value": 10},
            {"id": "junk", "symbol": "$$$", "kind": "above", "value": 1},
            "not a rule",
        ]
    )
    assert [r.id for r in rules] == ["a", "b"]
    below = {"AAPL": live_quote("AAPL", 99.5, 0.2, datetime(2026, 11, 23, 14, 59, tzinfo=UTC))}
    states, fired = evaluate(rules, {"b": {"armed": False, "last": 1.0}}, below)
    assert fired == []  # the first quote sets the side
    quotes = {"AAPL": live_quote("AAPL", 101.5, 1.2, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))}
    states, fired = evaluate(rules, states, quotes)
    assert [f["rule"] for f in fired] == ["a"]
    assert fired[0]["text"] == "AAPL crosses above 100.00: now 101.50"
    assert states["b"] == {"armed": False, "last": 1.0}
    states, fired = evaluate(rules, states, quotes)  # the next refresh, same quote
    assert fired == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"symbol": "AAPL", "kind": "sideways", "value": 1}, "choose what the rule watches"),
        ({"symbol": "AAPL", "kind": "above", "value": "abc"}, "the level must be a number"),
        ({"symbol": "AAPL", "kind": "above", "value": -3}, "the level must be above zero"),
        ({"symbol": "AAPL", "kind": "day", "value": float("nan")}, "the percentage must be a number"),
        (
            {"symbol": "AAPL", "kind": "move", "value": 1, "minutes": 0.5},
            "the minutes must be a whole number",
        ),
        ({"symbol": "AAPL", "kind": "move", "value": 1}, "the minutes must be a number"),
        ({"symbol": "", "kind": "above", "value": 1}, "symbol"),
        ("rule", "a rule is a set of fields"),
    ],
)
def test_bad_rules_are_plain_messages(raw, message):
    with pytest.raises(BadRule, match=message):
        make_rule(raw)


def test_hostile_state_is_ignored_not_fatal():
    rule = make_rule({"symbol": "AAPL", "kind": "move", "value": 1, "minutes": 5})
    state, fired = step(
        rule, {"armed": "yes", "last": "x", "window": [[1, "a", 2], "junk", None]}, Observation(T0, 100)
    )
    assert not fired and state["window"] == [[pytest.approx(T0 // 10 * 10), 100.0, 100.0]]
