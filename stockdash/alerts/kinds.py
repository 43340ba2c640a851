"""What each kind of rule watches, when it holds, and how far back it must go before it re-arms.

Every kind reads one figure (`metric`) of an observation and compares it with the rule's value.
A *crossing* kind fires only after the figure was seen on the other side (the first observation
sets the side); the others fire on the first observation that meets them. After a firing a rule
re-arms once the figure is back past the level by the kind's hysteresis `band` (and, for kinds
about one session, at the next session), so a price hovering at a level sends one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PRICE_ABOVE = "price_above"
    PRICE_BELOW = "price_below"
    PCT_DAY = "pct_day"
    PCT_WINDOW = "pct_window"
    HIGH_52W = "high_52w"
    LOW_52W = "low_52w"
    RVOL = "rvol"
    RSI_BELOW = "rsi_below"
    RSI_ABOVE = "rsi_above"
    GOLDEN_CROSS = "golden_cross"
    DEATH_CROSS = "death_cross"


# Re-arm margins. Price levels: 0.2 % of the level; percent moves and the 52-week and SMA gaps:
# 0.2 percentage points; RSI: 1 point; relative volume: 0.1.
PRICE_BAND = 0.002
PCT_BAND = 0.2
RSI_BAND = 1.0
RVOL_BAND = 0.1


@dataclass(frozen=True)
class Spec:
    """`direction` +1: holds when metric >= threshold; -1: <= threshold; 0: |metric| >= threshold."""

    direction: int
    crossing: bool
    daily: bool  # checked after the daily figures; else on every live quote
    session_scoped: bool  # re-arms at the next session even if still beyond
    default: float | None  # the value when none is given (RSI 30/70, the SMA and 52-week kinds)
    fixed: bool  # the value is not the owner's to choose (52-week, SMA crosses)
    summary: str

    def threshold(self, value: float) -> float:
        return abs(value) if self.direction == 0 else value

    def holds(self, metric: float, value: float) -> bool:
        t = self.threshold(value)
        if self.direction > 0:
            return metric >= t
        if self.direction < 0:
            return metric <= t
        return abs(metric) >= t

    def cleared(self, metric: float, value: float, band: float) -> bool:
        """Back past the level by `band`: the rule may fire again."""
        t = self.threshold(value)
        if self.direction > 0:
            return metric < t - band
        if self.direction < 0:
            return metric > t + band
        return abs(metric) < t - band


SPECS: dict[Kind, Spec] = {
    Kind.PRICE_ABOVE: Spec(1, True, False, False, None, False, "price crosses above a level"),
    Kind.PRICE_BELOW: Spec(-1, True, False, False, None, False, "price crosses below a level"),
    Kind.PCT_DAY: Spec(0, False, False, True, None, False, "moves beyond ±X % from the previous close"),
    Kind.PCT_WINDOW: Spec(0, False, False, False, None, False, "moves beyond ±X % within N minutes"),
    Kind.HIGH_52W: Spec(1, False, True, True, 0.0, True, "closes at a new 52-week high"),
    Kind.LOW_52W: Spec(-1, False, True, True, 0.0, True, "closes at a new 52-week low"),
    Kind.RVOL: Spec(1, False, True, True, None, False, "volume at least X times its 20-day average"),
    Kind.RSI_BELOW: Spec(-1, True, True, False, 30.0, False, "RSI 14 crosses below a level (30)"),
    Kind.RSI_ABOVE: Spec(1, True, True, False, 70.0, False, "RSI 14 crosses above a level (70)"),
    Kind.GOLDEN_CROSS: Spec(1, True, True, False, 0.0, True, "SMA 50 crosses above SMA 200"),
    Kind.DEATH_CROSS: Spec(-1, True, True, False, 0.0, True, "SMA 50 crosses below SMA 200"),
}

INTRADAY = frozenset(k for k, s in SPECS.items() if not s.daily)
DAILY = frozenset(k for k, s in SPECS.items() if s.daily)


def band(kind: Kind, value: float) -> float:
    """The re-arm margin of a rule, in its metric's units."""
    if kind in (Kind.PRICE_ABOVE, Kind.PRICE_BELOW):
        return abs(value) * PRICE_BAND
    if kind in (Kind.RSI_BELOW, Kind.RSI_ABOVE):
        return RSI_BAND
    if kind == Kind.RVOL:
        return RVOL_BAND
    return PCT_BAND


def check_value(kind: Kind, value: float | None, minutes: int | None) -> tuple[float, int | None]:
    """The value and minutes a rule of `kind` stores; ValueError with a plain message."""
    spec = SPECS[kind]
    if spec.fixed:
        value = spec.default
    elif value is None:
        if spec.default is None:
            raise ValueError(f"{kind} needs a value")
        value = spec.default
    assert value is not None
    if kind in (Kind.PRICE_ABOVE, Kind.PRICE_BELOW) and value <= 0:
        raise ValueError("a price level must be above 0")
    if kind in (Kind.PCT_DAY, Kind.PCT_WINDOW) and not 0 < abs(value) <= 100:
        raise ValueError("a % move must be between 0 and 100")
    if kind in (Kind.RSI_BELOW, Kind.RSI_ABOVE) and not 0 < value < 100:
        raise ValueError("an RSI level must be between 0 and 100")
    if kind == Kind.RVOL and not 0 < value <= 1000:
        raise ValueError("a relative volume must be above 0")
    if kind == Kind.PCT_WINDOW:
        if minutes is None or not 1 <= minutes <= 390:
            raise ValueError("a move within N minutes needs minutes between 1 and 390")
    else:
        minutes = None
    return float(abs(value) if kind in (Kind.PCT_DAY, Kind.PCT_WINDOW) else value), minutes
