"""The provider budget on SQLite and PostgreSQL: atomic claims under racing processes, the rate limits,
unknown tickers remembered, pruning."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from stockdash import fetchbudget, jobs
from stockdash.db import make_engine
from stockdash.fetchbudget import BUSY, UNKNOWN, Limits
from stockdash.schema import daily_bars, provider_asks

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ROOMY = Limits(per_minute=10_000, per_client=10_000)


def rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r.symbol: r._asdict() for r in conn.execute(select(provider_asks))}


def race(url: str, jobs_: list[tuple[str, list[str]]], *, limits: Limits) -> list[fetchbudget.Claims]:
    """Run every (client, symbols) claim at once, each on its own engine (its own connections and
    pool, as separate gunicorn workers or dynos would have), released together by a barrier."""
    engines = [make_engine(url, role="web") for _ in jobs_]
    for eng in engines:  # connect before the start line, so the race is on the claim itself
        with eng.connect():
            pass
    barrier = threading.Barrier(len(jobs_))
    results: list = [None] * len(jobs_)

    def run(i: int) -> None:
        client, symbols = jobs_[i]
        barrier.wait()
        results[i] = fetchbudget.claim(engines[i], symbols, client=client, limits=limits)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs_))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for eng in engines:
        eng.dispose()
    assert all(r is not None for r in results), "a racer did not finish"
    return results


def test_each_symbol_is_granted_to_exactly_one_of_many_racers(engine, database_url):
    symbols = [f"S{i}" for i in range(8)]
    racers = []
    for i in range(16):
        order = symbols[:]
        random.Random(i).shuffle(order)
        racers.append((f"10.0.0.{i}", order))
    results = race(database_url, racers, limits=ROOMY)
    granted = Counter(s for r in results for s in r.granted)
    assert granted == Counter(symbols)  # every symbol once, none twice
    assert all(not r.refused for r in results)
    assert sorted(s for r in results for s in r.recent) == sorted(symbols * 15)
    assert {s: r["asks"] for s, r in rows(engine).items()} == dict.fromkeys(symbols, 1)


def test_at_most_the_minute_budget_for_everyone_together(engine, database_url):
    limits = Limits(per_minute=30, per_client=5)
    racers = [(f"10.0.1.{c}", [f"C{c}X{i}" for i in range(10)]) for c in range(20)]
    results = race(database_url, racers, limits=limits)
    granted = [s for r in results for s in r.granted]
    assert len(granted) == 30  # demand is 20 × 5 = 100 the clients may have: the total binds
    assert all(len(r.granted) <= 5 for r in results)
    assert all(set(r.refused.values()) <= {BUSY} for r in results)
    assert sum(len(r.refused) for r in results) == 200 - 30
    assert set(rows(engine)) == set(granted)


def test_one_client_gets_a_few_and_leaves_the_rest_for_others(engine):
    limits = Limits(per_minute=30, per_client=5)
    greedy = fetchbudget.claim(engine, [f"G{i}" for i in range(8)], client="1.1.1.1", limits=limits, now=T0)
    assert greedy.granted == ["G0", "G1", "G2", "G3", "G4"]
    assert greedy.refused == {"G5": BUSY, "G6": BUSY, "G7": BUSY}
    other = fetchbudget.claim(engine, ["H0", "H1"], client="2.2.2.2", limits=limits, now=T0)
    assert other.granted == ["H0", "H1"]


def test_the_budget_is_a_sliding_minute(engine):
    limits = Limits(per_minute=3, per_client=3)

    def claim(symbols, at):
        return fetchbudget.claim(engine, symbols, client="c", limits=limits, now=at)

    assert claim(["A", "B"], T0).granted == ["A", "B"]
    assert claim(["C", "D"], T0 + timedelta(seconds=30)).granted == ["C"]
    assert claim(["D"], T0 + timedelta(seconds=59)).refused == {"D": BUSY}
    # A and B leave the window at T0 + 60 s, C only at T0 + 90 s.
    assert claim(["D", "E", "F"], T0 + timedelta(seconds=61)).granted == ["D", "E"]


def test_a_symbol_is_asked_again_only_after_ten_minutes(engine):
    def claim(at):
        return fetchbudget.claim(engine, ["MSFT"], client="c", limits=ROOMY, now=at)

    assert claim(T0).granted == ["MSFT"]
    later = claim(T0 + timedelta(minutes=9, seconds=59))
    assert later.granted == [] and later.recent == ["MSFT"] and later.refused == {}
    assert claim(T0 + timedelta(minutes=10)).granted == ["MSFT"]
    assert rows(engine)["MSFT"]["asks"] == 2


def test_a_made_up_ticker_is_remembered_as_unknown_for_a_day(engine):
    assert fetchbudget.claim(engine, ["ZZZQ"], client="c", limits=ROOMY, now=T0).granted == ["ZZZQ"]
    assert fetchbudget.remember_unknown(engine, "ZZZQ", now=T0)
    for later in (timedelta(minutes=11), timedelta(hours=23, minutes=59)):
        again = fetchbudget.claim(engine, ["ZZZQ"], client="c", limits=ROOMY, now=T0 + later)
        assert again.granted == [] and again.refused == {"ZZZQ": UNKNOWN}
    day_later = fetchbudget.claim(engine, ["ZZZQ"], client="c", limits=ROOMY, now=T0 + timedelta(days=1))
    assert day_later.granted == ["ZZZQ"]
    assert rows(engine)["ZZZQ"]["unknown_until"] is None  # the new ask starts afresh


def test_a_stored_symbol_the_provider_had_nothing_for_is_not_unknown(engine):
    with engine.begin() as conn:
        conn.execute(
            daily_bars.insert().values(symbol="KO", date=date(2026, 2, 27), close=60.0, adj_close=60.0)
        )
    fetchbudget.claim(engine, ["KO"], client="c", limits=ROOMY, now=T0)
    assert not fetchbudget.remember_unknown(engine, "KO", now=T0)
    assert fetchbudget.claim(engine, ["KO"], client="c", limits=ROOMY, now=T0 + timedelta(minutes=10)).granted


def test_a_database_that_does_not_answer_refuses_rather_than_waits():
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing", role="web")
    try:
        claims = fetchbudget.claim(engine, ["AAPL", "ZZZQ"], client="c", limits=ROOMY)
    finally:
        engine.dispose()
    assert claims.granted == [] and claims.refused == {"AAPL": BUSY, "ZZZQ": BUSY}


def test_housekeeping_forgets_old_asks_but_not_live_unknowns(engine, settings):
    now = datetime.now(UTC)
    for symbol, asked in (
        ("OLD", now - timedelta(days=2)),
        ("NEW", now),
        ("DEAD", now - timedelta(hours=25)),
    ):
        fetchbudget.claim(engine, [symbol], client="c", limits=ROOMY, now=asked)
    fetchbudget.remember_unknown(engine, "DEAD", now=now - timedelta(hours=2))  # unknown until tomorrow
    result = jobs.housekeeping(engine, settings)
    assert set(rows(engine)) == {"NEW", "DEAD"}
    assert "1 old provider asks" in result.message


@pytest.mark.parametrize(
    ("forwarded", "remote", "expected"),
    [
        ("203.0.113.9", "10.1.2.3", "203.0.113.9"),
        ("6.6.6.6, 203.0.113.9", "10.1.2.3", "203.0.113.9"),  # what the client wrote comes first
        ("", "198.51.100.7", "198.51.100.7"),
        ("not-an-ip", "198.51.100.7", "198.51.100.7"),
        ("' OR 1=1 --" * 50, "", ""),
        ("2001:db8:1:2:3:4:5:6", "10.1.2.3", "2001:db8:1:2::/64"),
    ],
)
def test_client_is_the_hop_the_router_appended(forwarded, remote, expected):
    import flask

    from stockdash.web.client import client_address

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with flask.Flask(__name__).test_request_context(headers=headers, environ_base={"REMOTE_ADDR": remote}):
        assert client_address(flask.request) == expected
