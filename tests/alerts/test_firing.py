"""Once per crossing across checkers and restarts, on SQLite and PostgreSQL."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from stockdash.alerts import rules
from stockdash.alerts.channels import parse_channels
from stockdash.alerts.checker import Checker
from stockdash.alerts.firing import prune_history
from stockdash.alerts.kinds import Kind
from stockdash.schema import alert_deliveries, alert_firings
from tests.alerts.quotes import T0, quote

CHANNELS = parse_channels("json://127.0.0.1:9/a form://127.0.0.1:9/b")


def _checker(engine) -> Checker:
    checker = Checker(engine, CHANNELS, app_url="https://stockdash.example")
    checker.book.load(engine)
    return checker


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _add(engine, kind=Kind.PRICE_ABOVE, value=200.0, **kw):
    with engine.begin() as conn:
        return rules.add(conn, symbol="AAPL", kind=kind, value=value, channels=CHANNELS, **kw)


def test_a_crossing_fires_once_with_one_pending_delivery_per_channel(engine):
    _add(engine)
    checker = _checker(engine)
    prices = [199.0, 199.8, 200.13, 200.5, 201]
    fired = [f for n, p in enumerate(prices) for f in checker.check(quote(p, n * 60), T0)]
    assert len(fired) == 1
    assert fired[0].message.splitlines() == [
        "AAPL crossed above 200.00 — 200.13 at 10:32 ET (+1.8 % today)",
        "https://stockdash.example/?symbol=AAPL",
    ]
    with engine.connect() as conn:
        rows = conn.execute(select(alert_deliveries)).mappings().all()
    assert sorted(r["channel"] for r in rows) == ["#1 json", "#2 form"]
    assert {r["status"] for r in rows} == {"pending"} and {r["attempts"] for r in rows} == {0}


def test_two_checkers_on_the_same_quotes_fire_once(engine):
    _add(engine)
    _add(engine, kind=Kind.PRICE_BELOW, value=199.5)
    prices = [199.0, 200.2, 199.0, 200.4, 199.2]  # above: 1 crossing (no clearing of the band)
    checkers = [_checker(engine), _checker(engine)]
    barrier = threading.Barrier(2)
    fired: list = []

    def run(checker: Checker) -> None:
        barrier.wait()
        for n, p in enumerate(prices):
            fired.extend(checker.check(quote(p, n), T0))

    threads = [threading.Thread(target=run, args=(c,)) for c in checkers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # price_above: armed at 199, fires at 200.2; 199.0 clears the band, 200.4 fires again.
    # price_below 199.5: first quote is below (sets the side), 200.2 arms, 199.0 fires; 200.4 clears
    # (band 0.4), 199.2 fires again. Whichever checker got there first: each crossing once.
    with engine.connect() as conn:
        keys = conn.execute(select(alert_firings.c.rule_id, alert_firings.c.crossing)).all()
    assert sorted(keys) == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert len(fired) == 4
    assert _count(engine, alert_deliveries) == 8


def test_a_restarted_checker_replaying_the_same_quotes_fires_nothing_new(engine):
    _add(engine)
    first = _checker(engine)
    for n, p in enumerate([199.0, 200.5]):
        first.check(quote(p, n), T0)
    assert _count(engine, alert_firings) == 1
    again = _checker(engine)  # a new process: state from the database only
    replayed = [f for n, p in enumerate([199.0, 200.5, 200.6]) for f in again.check(quote(p, n), T0)]
    assert replayed == []
    assert _count(engine, alert_firings) == 1


def test_a_move_within_n_minutes_and_from_the_previous_close(engine):
    _add(engine, kind=Kind.PCT_WINDOW, value=1.0, minutes=10)
    _add(engine, kind=Kind.PCT_DAY, value=2.5)
    checker = _checker(engine)
    # +0.6 % over 20 minutes (never 1 % within 10), then +1.3 % on the price 8 minutes before.
    steps = [(0, 200.0), (300, 200.4), (600, 200.8), (900, 201.0), (1200, 201.2), (1380, 203.6)]
    fired = [f for s, p in steps for f in checker.check(quote(p, s), T0)]
    assert [f.message.splitlines()[0] for f in fired] == [
        "AAPL moved +1.3 % within 10 min (alert at ±1 %) — 203.60 at 10:53 ET (+3.6 % today)",
        "AAPL moved +3.6 % from the previous close (alert at ±2.5 %) — 203.60 at 10:53 ET",
    ]


def test_a_rule_turned_off_is_not_checked(engine):
    rule = _add(engine)
    with engine.begin() as conn:
        rules.set_enabled(conn, rule.id, False)
    checker = _checker(engine)
    assert [f for n, p in enumerate([199.0, 201.0]) for f in checker.check(quote(p, n), T0)] == []
    assert T0 + timedelta(0) == T0  # the quotes' instants are the test's own, never the wall clock


def test_housekeeping_prunes_old_firings_once_nothing_is_left_to_send(engine):
    _add(engine)
    _add(engine, kind=Kind.PRICE_BELOW, value=199.5)
    checker = _checker(engine)
    fired = [f for n, p in enumerate([199.0, 200.5, 199.0]) for f in checker.check(quote(p, n * 60), T0)]
    assert len(fired) == 2  # above at 200.5, below at 199.0: each with two pending deliveries
    sent, unsent = fired[0].firing_id, fired[1].firing_id
    with engine.begin() as conn:
        d = alert_deliveries.c
        conn.execute(update(alert_deliveries).where(d.firing_id == sent).values(status="sent"))
        # Both firings are old; one still has a delivery to make and must stay.
        conn.execute(update(alert_firings).values(fired_at=datetime(2026, 1, 5, tzinfo=UTC)))
        assert prune_history(conn, before=datetime(2026, 1, 4, tzinfo=UTC)) == 0  # not old enough
        assert prune_history(conn, before=datetime(2026, 2, 1, tzinfo=UTC)) == 1
    with engine.connect() as conn:
        assert conn.execute(select(alert_firings.c.id)).scalars().all() == [unsent]
        assert set(conn.execute(select(alert_deliveries.c.firing_id)).scalars()) == {unsent}
