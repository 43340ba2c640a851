"""Rules fired the way the clock fires them: quotes through a checker."""

from __future__ import annotations

from sqlalchemy import Engine, select

from stockdash.alerts import rules
from stockdash.alerts.channels import Channel
from stockdash.alerts.checker import Checker
from stockdash.alerts.firing import Fired
from stockdash.schema import alert_deliveries
from tests.alerts.quotes import T0, quote

APP_URL = "https://stockdash.example"


def fire_aapl_above_200(engine: Engine, channels: list[Channel]) -> Fired:
    """AAPL above 200 added, then quotes at 199.00 (10:30 ET) and 200.13 (10:31 ET): one firing."""
    with engine.begin() as conn:
        rules.add(
            conn, symbol="AAPL", kind="price_above", value=200, channels=channels, note="Trim the position"
        )
    checker = Checker(engine, channels, app_url=APP_URL)
    checker.book.load(engine)
    fired = checker.check(quote(199.0, 0), T0) + checker.check(quote(200.13, 60), T0)
    assert len(fired) == 1
    return fired[0]


def deliveries(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(alert_deliveries).order_by(alert_deliveries.c.id)).mappings()
        return [dict(r) for r in rows]


def statuses(engine: Engine) -> list[str]:
    return [d["status"] for d in deliveries(engine)]
