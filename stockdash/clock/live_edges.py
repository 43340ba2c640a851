"""When the clock starts and stops streaming stocks: the NYSE's extended-hours edges on trading days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from stockdash.calendar import NEW_YORK
from stockdash.clock.triggers import TradingCloseTrigger
from stockdash.live.hours import POST_HOURS, PRE_OPEN


class PreMarketOpenTrigger(TradingCloseTrigger):
    """Fire at 04:00 New York on every NYSE trading day (no weekend, no holiday)."""

    def __init__(self) -> None:
        super().__init__(timedelta(0))

    def fire_time(self, day: date) -> datetime:
        return datetime.combine(day, PRE_OPEN, NEW_YORK)

    def __str__(self) -> str:
        return "nyse_pre_open(04:00)"


def post_market_close_trigger() -> TradingCloseTrigger:
    """20:00 New York on trading days, 17:00 after a half day: four hours after the close."""
    return TradingCloseTrigger(POST_HOURS)
