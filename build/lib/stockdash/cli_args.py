"""Argument types for `worker.py` that refuse a bad value before any I/O (argparse: exit 2)."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from stockdash import calendar
from stockdash.config import Settings


def session_date(text: str) -> date:
    """A closed NYSE session: a weekend, a holiday or a future date is refused, naming one to use."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    first = calendar.nyse().first_session.date()
    if day < first:
        raise argparse.ArgumentTypeError(f"{day} is before {first}, where the trading calendar starts")
    latest = calendar.last_closed_session(datetime.now(calendar.NEW_YORK))
    if day > latest:
        raise argparse.ArgumentTypeError(f"{day} has no closed session yet; the latest is {latest}")
    if not calendar.is_session(day):
        why = "a weekend" if day.weekday() >= 5 else "a market holiday"
        before = calendar.previous_session(day)
        raise argparse.ArgumentTypeError(
            f"{day} is not a trading day ({why}); the session before is {before}"
        )
    return day


def _bounds(field: str) -> tuple[int, int]:
    """The limits Settings puts on a field, so the CLI and the environment agree."""
    meta = Settings.model_fields[field].metadata
    return next(m.ge for m in meta if hasattr(m, "ge")), next(m.le for m in meta if hasattr(m, "le"))


def history_years(text: str) -> int:
    """Years of history to fetch, within HISTORY_YEARS' limits."""
    low, high = _bounds("history_years")
    try:
        years = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of years: {text!r}") from None
    if not low <= years <= high:
        raise argparse.ArgumentTypeError(f"must be from {low} to {high} years (got {years})")
    return years
