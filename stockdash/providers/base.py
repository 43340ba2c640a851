"""The one small interface every price provider implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import pandas as pd

BAR_COLUMNS = ["symbol", "date", "open", "high", "low", "close", "adj_close", "volume"]
ACTION_COLUMNS = ["symbol", "date", "kind", "value"]
# One-minute bars: `minute` is the minute's start, tz-aware UTC (as the live stream stamps them).
MINUTE_COLUMNS = ["minute", "open", "high", "low", "close", "volume"]


class ProviderError(Exception):
    """The provider as a whole could not answer (unreachable, rate limited after retries)."""


def empty_bars() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in BAR_COLUMNS})


def empty_minutes() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in MINUTE_COLUMNS})


def empty_actions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ACTION_COLUMNS})


@dataclass
class FetchResult:
    """Bars for the symbols that answered, and why the others did not.

    `bars` has BAR_COLUMNS: `date` is the exchange-local trading date (datetime.date),
    `close` is split-adjusted as of the fetch, `adj_close` also takes dividends out,
    `volume` is an int. `actions` lists splits (`value` = ratio, 4.0 for 4:1) and
    dividends (`value` = amount) inside the fetched range; a split means stored history
    of that symbol is on another price basis and must be fetched again.
    """

    bars: pd.DataFrame = field(default_factory=empty_bars)
    failures: dict[str, str] = field(default_factory=dict)
    actions: pd.DataFrame = field(default_factory=empty_actions)


class Provider(Protocol):
    name: str  # "yahoo" or "demo": stored with the data so the two never mix

    def fetch_daily(self, symbols: Sequence[str], *, start: date, end: date) -> FetchResult:
        """Daily bars for start <= date <= end; per-symbol failures, never a sunk batch."""
        ...

    def fetch_minutes(self, symbol: str, *, start: datetime, end: datetime) -> pd.DataFrame:
        """One-minute bars (MINUTE_COLUMNS) with start <= minute < end, extended hours included;
        empty when the provider has none for the symbol, ProviderError when it could not answer."""
        ...
