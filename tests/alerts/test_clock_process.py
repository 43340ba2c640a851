"""`python clock.py` end to end: a demo quote crosses a level, the rule fires, the e-mail arrives;
a clock killed mid-delivery loses nothing. Real processes, real receivers, both databases."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from stockdash.alerts import rules
from stockdash.alerts.channels import parse_channels
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.schema import alert_deliveries, alert_firings, live_quotes
from tests.clock.test_process import Clock, clock_env
from tests.harness import wait_for

pytestmark = pytest.mark.slow
SYMBOL = "BTC-USD"  # trades around the clock: the demo stream walks it whatever hour the test runs
STEP = 0.0002  # levels 0.02 % apart around the live price: a second or two of the demo walk


@pytest.fixture
def migrated(database_url) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield database_url, engine
    engine.dispose()


@pytest.fixture
def clocks(tmp_path) -> Iterator:
    started: list[Clock] = []

    def start(env: dict[str, str]) -> Clock:
        started.append(Clock(env, tmp_path / f"clock-{len(started) + 1}.log"))
        return started[-1]

    yield start
    for clock in started:
        clock.close()


def _env(database_url: str, channels: str) -> dict[str, str]:
    env = clock_env(database_url, SYMBOL, 1)
    env.update(WATCHLIST=SYMBOL, ALERT_CHANNELS=channels, APP_URL="https://stockdash.example")
    return env


def _live_price(engine: Engine) -> float:
    def price() -> float | None:
        with engine.connect() as conn:
            return conn.execute(select(live_quotes.c.price).where(live_quotes.c.symbol == SYMBOL)).scalar()

    return wait_for(price, timeout=90, what="the demo stream's first quote")


def _ladder(engine: Engine, channels: str, around: float, steps: int = 8) -> None:
    """price_above levels over the live price and price_below levels under it: each is armed by
    the first quote (on the other side), and the walk crosses one of them within seconds."""
    parsed = parse_channels(channels)
    with engine.begin() as conn:
        for k in range(1, steps + 1):
            for kind, level in (
                ("price_above", around * (1 + k * STEP)),
                ("price_below", around * (1 - k * STEP)),
            ):
                rules.add(conn, symbol=SYMBOL, kind=kind, value=round(level, 2), channels=parsed)


def _rows(engine: Engine, table) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings()]


def test_a_demo_quote_crossing_a_level_arrives_as_an_email(migrated, clocks, smtp):
    database_url, engine = migrated
    clock = clocks(_env(database_url, smtp.url()))
    _ladder(engine, smtp.url(), _live_price(engine))
    wait_for(lambda: smtp.messages, timeout=90, what="the alert e-mail")
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    lines = [line.strip() for line in body.strip().splitlines()]
    # One quote may cross several levels: their e-mails go out side by side, in any order.
    headlines = {f["message"].splitlines()[0] for f in _rows(engine, alert_firings)}
    assert lines[0].startswith(f"{SYMBOL} crossed ") and lines[0] in headlines
    assert lines[-1] == f"https://stockdash.example/?symbol={SYMBOL}"
    wait_for(lambda: _rows(engine, alert_deliveries)[0]["status"] == "sent", timeout=20, what="sent")
    assert "alert fired rule=" in clock.text()


def test_a_clock_killed_mid_delivery_sends_it_after_restart(migrated, clocks, receiver):
    database_url, engine = migrated
    # No request is answered while the first clock lives: it dies waiting, with no delivery
    # accepted and not yet marked sent (the documented case that may repeat once).
    hook = receiver(hold=10_000)
    env = _env(database_url, hook.url())
    first = clocks(env)
    _ladder(engine, hook.url(), _live_price(engine))
    wait_for(lambda: hook.received, timeout=90, what="the first delivery under way")
    first.proc.kill()  # SIGKILL: no cleanup, the delivery's lease is left behind
    first.proc.wait()
    hook.hold = 0
    hook.release()  # the held requests end unanswered; the next clock's are answered
    held = hook.received[0].json()["message"]
    fired_before = _rows(engine, alert_firings)
    assert _rows(engine, alert_deliveries)[0]["status"] == "pending"

    second = clocks(env)
    # The lease (20 s) runs out; the new clock's dispatcher sends it again, and everything else.
    wait_for(lambda: any(r.json()["message"] == held for r in hook.delivered), timeout=90, what="the resend")
    wait_for(
        lambda: {d["status"] for d in _rows(engine, alert_deliveries)} == {"sent"},
        timeout=60,
        what="every delivery sent",
    )
    firings = _rows(engine, alert_firings)
    assert firings[: len(fired_before)] == fired_before  # the restart fired nothing twice
    delivered = [r.json()["message"] for r in hook.delivered]
    assert sorted(delivered) == sorted(f["message"] for f in firings)  # each exactly once, none lost
    assert "clock active" in second.text()
