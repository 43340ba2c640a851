"""Dividends and splits stored with the bars, through recorded Yahoo answers and the demo provider."""

import copy
import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import delete

from stockdash import actions, jobs
from stockdash.db import make_engine
from stockdash.providers.demo import DemoProvider
from stockdash.providers.yahoo import YahooProvider
from stockdash.schema import corporate_actions
from tests.yahoo_replay import FIXTURES, Answer, recording, yahoo_http_fixture  # noqa: F401


@pytest.fixture
def yahoo_settings(settings):
    return settings.model_copy(update={"provider": "yahoo", "history_years": 1})


def provider() -> YahooProvider:
    return YahooProvider(chunk_size=10, threads=2, retries=1, backoff_base=0.0, timeout=5)


def stored(engine, symbol: str) -> list[tuple]:
    with engine.connect() as conn:
        frame = actions.load(conn, symbol)
    return [
        (d, k, None if a != a else a, None if n != n else n, None if q != q else q)
        for d, k, a, n, q in frame.itertuples(index=False)
    ]


def edited(name: str, edit) -> Answer:
    """A recorded answer with its events changed by `edit` (what Yahoo sends for other events)."""
    body = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))
    edit(body["chart"]["result"][0]["events"])
    return Answer(recording=body)


def test_pull_stores_the_events_of_the_fetched_bars(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("AAPL", recording("AAPL_2020-08-31_2020-11-06"))
    yahoo_http.add("MSFT", recording("MSFT_2021-02-01_2022-01-28"))
    yahoo_http.add("NVDA", recording("NVDA_2021-02-01_2022-01-28"))
    yahoo_http.add("TSLA", recording("TSLA_2010-06-29_2023-08-11"))
    for symbols, today in ((["AAPL"], date(2020, 11, 6)), (["MSFT", "NVDA", "TSLA"], date(2022, 1, 28))):
        assert jobs.pull(engine, provider(), yahoo_settings, symbols=symbols, today=today).status == "ok"
    assert stored(engine, "AAPL") == [
        (date(2020, 8, 31), "split", None, 4.0, 1.0),
        (date(2020, 11, 6), "dividend", 0.205, None, None),
    ]
    assert stored(engine, "NVDA") == [(date(2021, 7, 20), "split", None, 4.0, 1.0)]
    assert [(d, a) for d, _, a, _, _ in stored(engine, "MSFT")] == [
        (date(2021, 2, 17), 0.56),
        (date(2021, 5, 19), 0.56),
        (date(2021, 8, 18), 0.56),
        (date(2021, 11, 17), 0.62),
    ]
    assert stored(engine, "TSLA") == []  # its recording carries no events
    before = {s: stored(engine, s) for s in ("AAPL", "MSFT", "NVDA")}
    again = jobs.pull(
        engine, provider(), yahoo_settings, symbols=["MSFT"], today=date(2022, 1, 28), since=date(2021, 1, 1)
    )
    assert again.status == "ok"
    assert {s: stored(engine, s) for s in before} == before  # idempotent: nothing doubled


def test_split_and_dividend_on_one_day_in_tokyo(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("6309.T", recording("6309.T"))
    assert (
        jobs.pull(engine, provider(), yahoo_settings, symbols=["6309.T"], today=date(2025, 5, 19)).status
        == "ok"
    )
    assert stored(engine, "6309.T") == [
        (date(2025, 4, 28), "dividend", 73.0, None, None),
        (date(2025, 4, 28), "split", None, 3.0, 1.0),
    ]


def test_odd_and_reverse_ratios_and_events_keyed_by_another_timestamp(engine, yahoo_settings, yahoo_http):
    def odd(events):
        (split,) = events["splits"].values()
        split.update(numerator=1046, denominator=1000, splitRatio="1046:1000")

    def reverse_keyed_elsewhere(events):
        # Keyed by midnight UTC of the day before; its own `date` is the 20 Jul 2021 open.
        (split,) = events["splits"].values()
        split.update(numerator=1, denominator=10, splitRatio="1:10")
        events["splits"] = {str(split["date"] - 86400 - 13 * 3600 - 1800): split}

    yahoo_http.add("NVDA", edited("NVDA_2021-02-01_2022-01-28", odd))
    yahoo_http.add("AMD", edited("NVDA_2021-02-01_2022-01-28", reverse_keyed_elsewhere))
    result = jobs.pull(engine, provider(), yahoo_settings, symbols=["NVDA", "AMD"], today=date(2022, 1, 28))
    assert result.status == "ok", result.failures
    assert stored(engine, "NVDA") == [(date(2021, 7, 20), "split", None, 523.0, 500.0)]
    assert stored(engine, "AMD") == [(date(2021, 7, 20), "split", None, 1.0, 10.0)]
    with engine.connect() as conn:
        row = actions.load(conn, "NVDA").iloc[0].to_dict()
    assert actions.label(row) == "Split 523:500" and row["numerator"] / row["denominator"] == 1.046


def test_split_between_pulls_replaces_actions_with_the_history(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_PRESPLIT_2020-08-03_2020-08-28"))
    jobs.pull(engine, provider(), yahoo_settings, symbols=["AAPL"], today=date(2020, 8, 28))
    assert stored(engine, "AAPL") == []
    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_POSTSPLIT_2020-08-03_2020-11-06"))
    result = jobs.pull(engine, provider(), yahoo_settings, symbols=["AAPL"], today=date(2020, 11, 6))
    assert result.status == "ok"
    assert [k for _, k, *_ in stored(engine, "AAPL")] == ["split", "dividend"]


def test_backfill_fills_actions_for_stored_bars(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("MSFT", recording("MSFT_2021-02-01_2022-01-28"))
    yahoo_http.add("NVDA", recording("NVDA_2021-02-01_2022-01-28"))
    jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT", "NVDA"], today=date(2022, 1, 28))
    full = {s: stored(engine, s) for s in ("MSFT", "NVDA")}
    with engine.begin() as conn:
        conn.execute(delete(corporate_actions))  # a database filled before actions were kept
    done = actions.backfill(engine, provider())
    assert (done.symbols, done.rows, done.failures) == (2, 5, {})
    assert {s: stored(engine, s) for s in full} == full
    assert actions.backfill(engine, provider(), symbols=["NVDA"]).rows == 1
    assert {s: stored(engine, s) for s in full} == full


def test_demo_pull_stores_quarterly_dividends_and_its_splits(engine, settings):
    demo = DemoProvider(today=date(2026, 1, 2))
    jobs.pull(
        engine,
        demo,
        settings.model_copy(update={"history_years": 7}),
        symbols=["AAPL", "NVDA"],
        today=date(2026, 1, 2),
    )
    with engine.connect() as conn:
        nvda, aapl = actions.load(conn, "NVDA"), actions.load(conn, "AAPL")
    splits = nvda[nvda.kind == "split"]
    assert list(zip(splits.date, splits.numerator, splits.denominator, strict=True)) == [
        (date(2021, 7, 20), 4.0, 1.0),
        (date(2024, 6, 10), 10.0, 1.0),
    ]
    for frame in (aapl, nvda):
        dividends = frame[frame.kind == "dividend"]
        if dividends.empty:
            continue
        gaps = pd.Series(pd.to_datetime(dividends.date)).diff().dt.days.dropna()
        assert gaps.between(80, 100).all()  # quarterly
    assert not aapl[aapl.kind == "dividend"].empty or not nvda[nvda.kind == "dividend"].empty


def test_trailing_yield():
    frame = pd.DataFrame(
        {
            "date": [date(2024, 12, 1), date(2025, 3, 1), date(2025, 6, 1), date(2025, 9, 1)],
            "kind": ["dividend", "dividend", "split", "dividend"],
            "amount": [1.0, 0.5, None, 0.5],
        }
    )
    assert actions.trailing_yield(frame, as_of=date(2025, 12, 31), close=50.0) == pytest.approx(2.0)
    assert actions.trailing_yield(frame, as_of=date(2027, 1, 1), close=50.0) is None


def test_worker_actions_backfills_what_is_stored(database_url):
    from tests.test_cli import worker

    env = {"HISTORY_YEARS": "3"}
    assert worker("migrate", database_url=database_url, **env).returncode == 0
    assert worker("pull", "--symbols", "NVDA,KO", database_url=database_url, **env).returncode == 0
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            before = {s: actions.load(conn, s) for s in ("NVDA", "KO")}
        assert (before["NVDA"]["kind"] == "split").sum() == 1  # 10:1 in June 2024
        with engine.begin() as conn:
            conn.execute(delete(corporate_actions))
        for _ in range(2):  # idempotent: a second run stores the same rows
            proc = worker("actions", database_url=database_url, **env)
            assert proc.returncode == 0, proc.stderr
            assert "job=actions symbols=2" in proc.stderr + proc.stdout
            with engine.connect() as conn:
                for symbol, frame in before.items():
                    pd.testing.assert_frame_equal(actions.load(conn, symbol), frame)
    finally:
        engine.dispose()
