"""What a firing says: one line of what happened, the note, a link to the chart.

"AAPL crossed above 200.00 — 200.13 at 10:31 ET (+1.8 % today)"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from stockdash.alerts.kinds import Kind
from stockdash.calendar import NEW_YORK


@dataclass(frozen=True)
class Observation:
    """What a rule is checked against: a live quote, or a day's figures (`daily` set)."""

    symbol: str
    at: datetime  # the quote's time, or the session's close
    received_at: datetime  # when it reached the clock (latency is measured from here)
    price: float
    pct_today: float | None = None
    metrics: dict[str, float] | None = None  # kind -> figure, for the kinds that need more than price
    minutes: dict[int, float] | None = None  # N -> % move within the last N minutes
    daily: bool = False


def _pct(value: float | None) -> str:
    return "" if value is None else f" ({value:+.1f} % today)"


def _when(obs: Observation) -> str:
    if obs.daily:
        return f"on {obs.at.astimezone(NEW_YORK):%Y-%m-%d}"
    return f"at {obs.at.astimezone(NEW_YORK):%H:%M} ET"


def headline(kind: Kind, value: float, minutes: int | None, obs: Observation, metric: float) -> str:
    """The first line: what happened, the price and when."""
    s, at, price = obs.symbol, _when(obs), f"{obs.price:.2f}"
    match kind:
        case Kind.PRICE_ABOVE | Kind.PRICE_BELOW:
            side = "above" if kind == Kind.PRICE_ABOVE else "below"
            return f"{s} crossed {side} {value:.2f} — {price} {at}{_pct(obs.pct_today)}"
        case Kind.PCT_DAY:
            return f"{s} moved {metric:+.1f} % from the previous close (alert at ±{value:g} %) — {price} {at}"
        case Kind.PCT_WINDOW:
            return (
                f"{s} moved {metric:+.1f} % within {minutes} min (alert at ±{value:g} %) — "
                f"{price} {at}{_pct(obs.pct_today)}"
            )
        case Kind.HIGH_52W | Kind.LOW_52W:
            word = "high" if kind == Kind.HIGH_52W else "low"
            return f"{s} closed at a new 52-week {word} — {price} {at}{_pct(obs.pct_today)}"
        case Kind.RVOL:
            return f"{s} traded {metric:.1f}× its 20-day average volume (alert at {value:g}×) — {price} {at}"
        case Kind.RSI_BELOW | Kind.RSI_ABOVE:
            side = "below" if kind == Kind.RSI_BELOW else "above"
            return f"{s} RSI 14 crossed {side} {value:g} — RSI {metric:.1f}, close {price} {at}"
        case Kind.GOLDEN_CROSS | Kind.DEATH_CROSS:
            side = "above" if kind == Kind.GOLDEN_CROSS else "below"
            return f"{s} SMA 50 crossed {side} SMA 200 — close {price} {at}"
    raise ValueError(kind)


def chart_link(app_url: str | None, symbol: str) -> str:
    return f"{(app_url or '').rstrip('/')}/?symbol={quote(symbol)}"


def compose(line: str, *, note: str, link: str) -> str:
    """The whole message body: the headline, the owner's note, the chart link."""
    return "\n".join(part for part in (line, note.strip(), link) if part)
