"""The alerts side of the active clock: the quote checker and the delivery dispatcher, wired."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import Engine

from stockdash.alerts.channels import parse_channels, warm
from stockdash.alerts.checker import Checker
from stockdash.alerts.daily import check_daily
from stockdash.alerts.sender import Dispatcher
from stockdash.config import Settings
from stockdash.errors import error_text

log = logging.getLogger("stockdash.alerts")


class AlertService:
    """Checks live quotes (`offer`) and the daily figures (`daily`), and sends what fires."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.channels = parse_channels(settings.alert_channels)
        self.dispatcher = Dispatcher(
            engine,
            self.channels,
            give_up_after=timedelta(minutes=settings.alert_give_up_minutes),
            redis_url=settings.redis_url,
        )
        self.checker = Checker(
            engine, self.channels, app_url=settings.app_url, on_fired=lambda _fired: self.dispatcher.wake()
        )
        self.offer = self.checker.offer

    def start(self) -> None:
        if self.channels:
            warm()  # Apprise's plugins now, not on the first alert
        self.checker.start()
        self.dispatcher.start()
        if not self.channels:
            log.info("alerts: ALERT_CHANNELS is unset: rules fire and are recorded, nothing is sent")
        else:
            log.info(
                "alerts: %d channel(s): %s", len(self.channels), ", ".join(c.label for c in self.channels)
            )

    def stop(self) -> None:
        self.checker.stop()
        self.dispatcher.stop()

    def daily(self, as_of: date | None = None) -> str:
        """After the daily figures: step the daily rules; never raises into the daily job."""
        try:
            fired = check_daily(self.engine, self.channels, app_url=self.settings.app_url, as_of=as_of)
        except Exception as exc:
            log.error("alerts daily check failed: %s", error_text(exc))
            return "alerts=failed"
        if fired:
            self.dispatcher.wake()
        return f"alerts={len(fired)} fired"
