"""Price alerts as plain functions: a rule fires once when its condition starts to hold, then
re-arms only after the condition has cleared (so never again on every refresh).

Rules and their state live in the browser (localStorage) and arrive as untrusted JSON; `parse_rule`
checks them. `evaluate` is called with each refresh's quotes and returns the new state and what fired.

Kinds:
  * `above` / `below`: the price crosses a level: it fires only after a price on the other side of
    the level has been seen. The first quote sets the side, so a rule created beyond its level (or
    at it) waits for the price to come back and cross, never fires at once;
  * `move`: the price moves more than P % (either way) within M minutes: up P % from the lowest
    price of the last M minutes, or down P % from the highest;
  * `day`: the day's % change is beyond ±P %.

A move rule keeps its window as at most WINDOW_BUCKETS buckets of (start, low, high), so the state
the browser carries stays small whatever the refresh rate; the window's far edge is therefore exact
to 1/WINDOW_BUCKETS of its length.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stockdash.live.latest import LiveQuote
from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import to_yahoo

KINDS = {
    "above": "crosses above",
    "below": "crosses below",
    "move": "moves ±% within minutes",
    "day": "day change beyond ±%",
}
MAX_RULES = 20
MAX_FIRED = 50
WINDOW_BUCKETS = 30
MAX_MINUTES = 24 * 60
MAX_PERCENT = 1000.0


@dataclass(frozen=True)
class Rule:
    id: str
    symbol: str
    kind: str  # above | below | move | day
    value: float  # the level (above, below) or the percentage (move, day)
    minutes: int = 0  # the window of a move rule


@dataclass(frozen=True)
class Observation:
    """One quote as the page received it."""

    time: float  # seconds since the epoch (the quote's own time)
    price: float
    pct_change: float | None = None


class BadRule(ValueError):
    """A rule that cannot be used; the message says why in plain words."""


def _number(raw: object, what: str) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRule(f"{what} must be a number") from None
    if not math.isfinite(value):
        raise BadRule(f"{what} must be a number")
    return value


def make_rule(raw: object) -> Rule:
    """A rule from browser data (a dict); raises BadRule with a plain message."""
    if not isinstance(raw, dict):
        raise BadRule("a rule is a set of fields")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise BadRule("choose what the rule watches")
    try:
        symbol = to_yahoo(normalise(str(raw.get("symbol") or "")[:24]))
    except InvalidSymbol as exc:
        raise BadRule(str(exc)) from None
    value = _number(raw.get("value"), "the level" if kind in ("above", "below") else "the percentage")
    minutes = 0
    if kind in ("above", "below"):
        if value <= 0:
            raise BadRule("the level must be above zero")
    else:
        value = abs(value)
        if not 0 < value <= MAX_PERCENT:
            raise BadRule(f"the percentage must be between 0 and {MAX_PERCENT:g}")
    if kind == "move":
        minutes_raw = _number(raw.get("minutes"), "the minutes")
        if minutes_raw != int(minutes_raw) or not 1 <= minutes_raw <= MAX_MINUTES:
            raise BadRule(f"the minutes must be a whole number from 1 to {MAX_MINUTES}")
        minutes = int(minutes_raw)
    rule_id = str(raw.get("id") or "")[:40] or f"{symbol}-{kind}-{value:g}-{minutes}"
    return Rule(id=rule_id, symbol=symbol, kind=kind, value=value, minutes=minutes)


def parse_rules(raw: object) -> list[Rule]:
    """The usable rules of a stored list; anything malformed is dropped, not fatal."""
    rules: list[Rule] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            rules.append(make_rule(item))
        except BadRule:
            continue
    return rules[:MAX_RULES]


def rule_json(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "symbol": rule.symbol,
        "kind": rule.kind,
        "value": rule.value,
        "minutes": rule.minutes,
    }


def describe(rule: Rule) -> str:
    """The rule in words, e.g. "AAPL crosses above 180.00"."""
    if rule.kind in ("above", "below"):
        return f"{rule.symbol} crosses {rule.kind} {rule.value:,.2f}"
    if rule.kind == "move":
        return f"{rule.symbol} moves ±{rule.value:g}% within {rule.minutes} min"
    return f"{rule.symbol} day change beyond ±{rule.value:g}%"


def _slide(window: list, obs: Observation, minutes: int) -> list[list[float]]:
    """The window with `obs` added and buckets older than `minutes` dropped."""
    width = minutes * 60 / WINDOW_BUCKETS
    start = math.floor(obs.time / width) * width
    cutoff = obs.time - minutes * 60
    kept = [b for b in window if b[0] + width > cutoff]
    if kept and kept[-1][0] == start:
        kept[-1] = [start, min(kept[-1][1], obs.price), max(kept[-1][2], obs.price)]
    else:
        kept.append([start, obs.price, obs.price])
    return kept


def _window(state: dict) -> list[list[float]]:
    window = state.get("window")
    if not isinstance(window, list):
        return []
    ok = [
        b
        for b in window
        if isinstance(b, list) and len(b) == 3 and all(isinstance(x, int | float) for x in b)
    ]
    return [[float(x) for x in b] for b in ok]


def holds(rule: Rule, obs: Observation, window: list[list[float]]) -> bool:
    """Whether the rule's condition holds at `obs` (`window`: the move rule's earlier prices)."""
    if rule.kind == "above":
        return obs.price >= rule.value
    if rule.kind == "below":
        return obs.price <= rule.value
    if rule.kind == "day":
        return obs.pct_change is not None and abs(obs.pct_change) >= rule.value
    cutoff = obs.time - rule.minutes * 60
    width = rule.minutes * 60 / WINDOW_BUCKETS
    earlier = [b for b in window if b[0] + width > cutoff]
    if not earlier:
        return False  # nothing seen within the window (a gap): no move to measure
    low, high = min(b[1] for b in earlier), max(b[2] for b in earlier)
    share = rule.value / 100
    return obs.price >= low * (1 + share) or obs.price <= high * (1 - share)


def step(rule: Rule, state: dict | None, obs: Observation) -> tuple[dict, bool]:
    """The rule's next state after `obs`, and whether it fires now (armed and the condition holds)."""
    state = state if isinstance(state, dict) else {}
    last = state.get("last")
    if isinstance(last, int | float) and obs.time <= last:
        return state, False  # the same quote again (every refresh), or an older one: no news
    window = _window(state) if rule.kind == "move" else []
    now_holds = holds(rule, obs, window)
    armed = state.get("armed", True) is not False
    if rule.kind in ("above", "below") and "armed" not in state:
        armed = False  # the first quote only sets the side: a cross needs a price on each side
    fired = armed and now_holds
    new: dict = {"armed": not now_holds, "last": obs.time}
    if rule.kind == "move":
        new["window"] = _slide(window, obs, rule.minutes)
    return new, fired


def observation(quote: LiveQuote) -> Observation:
    """What a rule sees of a quote: its own time, its price, the day's change."""
    return Observation(time=quote.time.timestamp(), price=quote.price, pct_change=quote.pct_change)


def fired_entry(rule: Rule, obs: Observation) -> dict:
    """What the page shows of a fired rule: the toast, the notification and the list line."""
    moment = datetime.fromtimestamp(obs.time, UTC)
    detail = f"{obs.price:,.2f}"
    if rule.kind == "day" and obs.pct_change is not None:
        detail += f" ({obs.pct_change:+.2f}% on the day)"
    return {
        "id": f"{rule.id}@{obs.time:.3f}",
        "rule": rule.id,
        "symbol": rule.symbol,
        "text": f"{describe(rule)}: now {detail}",
        "time": moment.isoformat().replace("+00:00", "Z"),
    }


def evaluate(
    rules: list[Rule], states: object, quotes: Mapping[str, LiveQuote]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Each rule stepped with its symbol's quote: (new states by rule id, fired entries)."""
    states = states if isinstance(states, dict) else {}
    new_states: dict = {}
    fired: list[dict] = []
    for rule in rules:
        state = states.get(rule.id)
        quote = quotes.get(rule.symbol)
        if quote is None:
            new_states[rule.id] = state if isinstance(state, dict) else {}
            continue
        obs = observation(quote)
        new_states[rule.id], now = step(rule, state, obs)
        if now:
            fired.append(fired_entry(rule, obs))
    return new_states, fired
