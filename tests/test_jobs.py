"""The pull and movers jobs against real SQLite and PostgreSQL, on the demo provider."""

import json
import threading
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select, text

from stockdash import jobs, runs, store
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.providers.base import FetchResult, ProviderError
from stockdash.providers.demo import DemoProvider
from stockdash.schema import daily_bars, job_runs

TODAY = date(2026, 11, 20)


@pytest.fixture
def one_year(settings):
    return settings.model_copy(update={"history_years": 1})


def all_bars(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(daily_bars).order_by(daily_bars.c.symbol, daily_bars.c.date)).all()
    return pd.DataFrame(rows)


def logged_runs(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(job_runs).order_by(job_runs.c.id)).mappings()]


def test_pull_twice_leaves_the_same_rows(engine, one_year):
    provider = DemoProvider(today=TODAY)
    first = jobs.pull(engine, provider, one_year, symbols=["AAPL", "MSFT"], today=TODAY)
    assert first.status == "ok" and first.rows_written > 400
    before = all_bars(engine)
    again = jobs.pull(engine, provider, one_year, symbols=["AAPL", "MSFT"], today=TODAY)
    assert again.status == "ok" and again.rows_written == 0
    refetch = jobs.pull(
        engine, provider, one_year, symbols=["AAPL", "MSFT"], today=TODAY, since=date(2026, 6, 1)
    )
    assert refetch.status == "ok" and refetch.rows_written > 0
    pd.testing.assert_frame_equal(all_bars(engine), before)
    assert [r["status"] for r in logged_runs(engine)] == ["ok", "ok", "ok"]


def test_later_pull_fetches_only_the_missing_days(engine, one_year):
    jobs.pull(
        engine, DemoProvider(today=date(2026, 11, 13)), one_year, symbols=["MSFT"], today=date(2026, 11, 13)
    )
    result = jobs.pull(engine, DemoProvider(today=TODAY), one_year, symbols=["MSFT"], today=TODAY)
    assert result.rows_written == 5  # 16..20 November
    assert all_bars(engine)["date"].max() == TODAY


def test_split_refetches_history_and_is_no_fake_loser(engine, one_year):
    symbols = ["NFLX", "MSFT", "AAPL"]
    jobs.pull(
        engine, DemoProvider(today=date(2025, 11, 14)), one_year, symbols=symbols, today=date(2025, 11, 14)
    )
    with engine.connect() as conn:
        pre_split = store.load_bars(conn, "NFLX").set_index("date")["close"]
    result = jobs.pull(
        engine, DemoProvider(today=date(2025, 11, 17)), one_year, symbols=symbols, today=date(2025, 11, 17)
    )
    assert result.status == "ok"
    with engine.connect() as conn:
        post = store.load_bars(conn, "NFLX").set_index("date")["close"]
    # The stored history was replaced: every old bar is now on the post-split basis.
    assert (pre_split / post.loc[pre_split.index]).round(6).eq(10.0).all()
    moved = jobs.compute_movers(engine, as_of=date(2025, 11, 17))
    assert moved.status == "ok"
    with engine.connect() as conn:
        day = conn.execute(
            text("SELECT symbol, pct_change FROM movers WHERE horizon = '1d' AND grp = 'all'")
        ).all()
    assert dict(day)["NFLX"] > -20


def test_unknown_symbol_makes_a_partial_run_and_keeps_the_rest(engine, one_year):
    result = jobs.pull(engine, DemoProvider(today=TODAY), one_year, symbols=["AAPL", "ZZZZZ"], today=TODAY)
    assert result.status == "partial"
    assert set(result.failures) == {"ZZZZZ"}
    assert set(all_bars(engine)["symbol"]) == {"AAPL"}
    logged = logged_runs(engine)[-1]
    assert logged["status"] == "partial" and logged["symbols_failed"] == 1
    assert "unknown symbol" in json.loads(logged["failures"])["ZZZZZ"]


class FailingProvider:
    """Answers like the demo until `fail_after` chunks, then fails as a whole (rate limit, outage)."""

    name = "demo"

    def __init__(self, fail_after: int):
        self.inner, self.calls, self.fail_after = DemoProvider(today=TODAY), 0, fail_after

    def fetch_daily(self, symbols, *, start, end) -> FetchResult:
        self.calls += 1
        if self.calls > self.fail_after:
            raise ProviderError("HTTP 429 Too Many Requests after 4 retries")
        return self.inner.fetch_daily(symbols, start=start, end=end)


def test_provider_failure_ends_failed_and_loses_nothing_stored(engine, one_year):
    jobs.pull(
        engine, DemoProvider(today=date(2026, 11, 13)), one_year, symbols=["AAPL"], today=date(2026, 11, 13)
    )
    before = all_bars(engine)
    result = jobs.pull(engine, FailingProvider(0), one_year, symbols=["AAPL"], today=TODAY)
    assert result.status == "failed" and "429" in result.message
    pd.testing.assert_frame_equal(all_bars(engine), before)
    assert logged_runs(engine)[-1]["status"] == "failed"


def test_failure_mid_run_keeps_the_chunks_already_written(engine, one_year, monkeypatch):
    one_year = one_year.model_copy(update={"pull_chunk_size": 2})
    symbols = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL"]
    result = jobs.pull(engine, FailingProvider(1), one_year, symbols=symbols, today=TODAY)
    assert result.status == "cut_short"
    assert set(all_bars(engine)["symbol"]) == {"AAPL", "MSFT"}


def test_stop_event_ends_the_run_between_chunks(engine, one_year, monkeypatch):
    one_year = one_year.model_copy(update={"pull_chunk_size": 1})
    stop = threading.Event()

    class StopAfterFirst(DemoProvider):
        def fetch_daily(self, symbols, **kw):
            stop.set()
            return super().fetch_daily(symbols, **kw)

    result = jobs.pull(
        engine,
        StopAfterFirst(today=TODAY),
        one_year,
        symbols=["AAPL", "MSFT", "NVDA"],
        today=TODAY,
        stop=stop,
    )
    assert result.status == "cut_short" and result.message.startswith("stopped after 1 of 3")
    assert set(all_bars(engine)["symbol"]) == {"AAPL"}
    assert logged_runs(engine)[-1]["status"] == "cut_short"


def test_demo_and_real_data_never_mix(engine, one_year):
    jobs.pull(engine, DemoProvider(today=TODAY), one_year, symbols=["AAPL"], today=TODAY)

    class Yahooish(DemoProvider):
        name = "yahoo"

    result = jobs.pull(engine, Yahooish(today=TODAY), one_year, symbols=["AAPL"], today=TODAY)
    assert result.status == "failed" and "holds demo data" in result.message


def test_dead_database_at_start_raises_a_database_error(tmp_path, one_year):
    from sqlalchemy.exc import OperationalError

    dead = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(OperationalError):
        jobs.pull(dead, DemoProvider(today=TODAY), one_year, symbols=["AAPL"], today=TODAY)


def test_database_dying_mid_run_keeps_written_chunks(postgres_url, one_year, monkeypatch):
    """PostgreSQL goes away after the first chunk: the run ends failed/partial, chunk one survives."""
    from stockdash.migrate import upgrade
    from tests.conftest import postgres_admin

    engine = make_engine(postgres_url)
    upgrade(engine)
    name = engine.url.database
    one_year = one_year.model_copy(update={"pull_chunk_size": 2})

    class KillsDatabase(DemoProvider):
        calls = 0

        def fetch_daily(self, symbols, **kw):
            KillsDatabase.calls += 1
            if KillsDatabase.calls == 2:
                with postgres_admin().connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                    conn.execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                        {"name": name},
                    )
            return super().fetch_daily(symbols, **kw)

    result = jobs.pull(
        engine, KillsDatabase(today=TODAY), one_year, symbols=["AAPL", "MSFT", "NVDA", "AMZN"], today=TODAY
    )
    assert result.status == "cut_short" and result.message.startswith("database error")
    with postgres_admin().connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    engine.dispose()
    engine = make_engine(postgres_url)
    assert set(all_bars(engine)["symbol"]) == {"AAPL", "MSFT"}
    # The run row could not be closed while the database was gone; housekeeping closes it later.
    assert logged_runs(engine)[-1]["status"] == "running"
    assert runs.mark_abandoned(engine, now=pd.Timestamp("2100-01-01", tz="UTC").to_pydatetime()) == 1
    assert logged_runs(engine)[-1]["status"] == "failed"
    engine.dispose()


def test_only_a_whole_universe_pull_counts_as_pulled(engine, one_year, monkeypatch):
    one_year = one_year.model_copy(update={"pull_chunk_size": 1})
    stop = threading.Event()
    stop.set()
    stopped = jobs.pull(engine, DemoProvider(today=TODAY), one_year, today=TODAY, stop=stop)
    assert stopped.failures == {s: f"not attempted: {stopped.message}" for s in ("AAPL", "MSFT")}
    assert not runs.has_pulled(engine, TODAY)
    cut_short = jobs.pull(engine, FailingProvider(1), one_year, today=TODAY)
    assert cut_short.status == "cut_short" and "not attempted" in cut_short.failures["MSFT"]
    assert not runs.has_pulled(engine, TODAY)
    jobs.pull(engine, DemoProvider(today=TODAY), one_year, symbols=["AAPL", "MSFT"], today=TODAY)
    assert not runs.has_pulled(engine, TODAY)  # a hand-picked list is not the universe
    bad_symbol = one_year.model_copy(update={"universe": "AAPL,MSFT,ZZZZZ"})
    assert jobs.pull(engine, DemoProvider(today=TODAY), bad_symbol, today=TODAY).status == "partial"
    assert runs.has_pulled(engine, TODAY)  # partial for a bad symbol only still counts


def test_a_misspelt_pull_keyword_is_an_error_not_a_pull_of_the_universe():
    settings = Settings(_env_file=None, database_url="sqlite://", provider="demo", universe="AAPL,MSFT")
    with pytest.raises(TypeError, match="symbol"):
        jobs.pull(None, DemoProvider(), settings, symbol=["AAPL"])
    assert jobs.pull_scope(settings, symbols=["AAPL"], today=TODAY) == ("pull-symbols", ["AAPL"], None, TODAY)
    assert jobs.pull_scope(settings, today=TODAY) == ("pull", ["AAPL", "MSFT"], None, TODAY)


class RefetchBreaks(DemoProvider):
    """The demo, except that fetching a whole history again fails the way `mode` says."""

    def __init__(self, mode: str, **kw):
        super().__init__(**kw)
        self.mode = mode

    def fetch_daily(self, symbols, *, start, end):
        if start < date(2025, 11, 1):  # a history refetch, not the incremental fetch
            if self.mode == "provider":
                raise ProviderError("HTTP 429 Too Many Requests")
            if self.mode == "short":
                return super().fetch_daily(symbols, start=date(2025, 10, 1), end=end)
            if self.mode == "symbol":
                return FetchResult(failures={s: "rate limited" for s in symbols})
        return super().fetch_daily(symbols, start=start, end=end)


@pytest.mark.parametrize("mode", ["provider", "short", "symbol"])
def test_failed_history_refetch_keeps_the_old_basis_and_retries(engine, one_year, mode):
    symbols = ["NFLX", "MSFT"]
    jobs.pull(
        engine, DemoProvider(today=date(2025, 11, 14)), one_year, symbols=symbols, today=date(2025, 11, 14)
    )
    before = all_bars(engine)
    result = jobs.pull(
        engine,
        RefetchBreaks(mode, today=date(2025, 11, 17)),
        one_year,
        symbols=symbols,
        today=date(2025, 11, 17),
    )
    assert result.status == "partial" and list(result.failures) == ["NFLX"]
    assert "split/dividend" in result.failures["NFLX"]
    after = all_bars(engine)
    # NFLX untouched (no post-split bar on a pre-split history), MSFT got its new day.
    nflx = [frame[frame["symbol"] == "NFLX"].reset_index(drop=True) for frame in (after, before)]
    pd.testing.assert_frame_equal(*nflx)
    assert after[after["symbol"] == "MSFT"]["date"].max() == date(2025, 11, 17)
    # The next pull sees the split again and repairs the history.
    fixed = jobs.pull(
        engine, DemoProvider(today=date(2025, 11, 17)), one_year, symbols=symbols, today=date(2025, 11, 17)
    )
    assert fixed.status == "ok"
    with engine.connect() as conn:
        closes = store.load_bars(conn, "NFLX").set_index("date")["close"]
    assert abs(closes[date(2025, 11, 17)] / closes[date(2025, 11, 14)] - 1) < 0.2
    assert len(closes) == len(before[before["symbol"] == "NFLX"]) + 1


def test_since_before_stored_history_keeps_what_it_fetched(engine, one_year):
    jobs.pull(engine, DemoProvider(today=TODAY), one_year, symbols=["AAPL"], today=TODAY)
    result = jobs.pull(
        engine, DemoProvider(today=TODAY), one_year, symbols=["AAPL"], today=TODAY, since=date(2022, 1, 3)
    )
    assert result.status == "ok"
    assert all_bars(engine)["date"].min() == date(2022, 1, 3)


class NoActions(DemoProvider):
    """A provider that reports a split late: new prices, but no event in `actions` yet."""

    def fetch_daily(self, symbols, **kw):
        result = super().fetch_daily(symbols, **kw)
        result.actions = result.actions.iloc[0:0]
        return result


def test_a_split_reported_late_is_caught_by_the_overlap_day(engine, one_year):
    symbols = ["NFLX", "MSFT"]
    jobs.pull(
        engine, DemoProvider(today=date(2025, 11, 14)), one_year, symbols=symbols, today=date(2025, 11, 14)
    )
    result = jobs.pull(
        engine, NoActions(today=date(2025, 11, 18)), one_year, symbols=symbols, today=date(2025, 11, 18)
    )
    assert result.status == "ok"
    with engine.connect() as conn:
        closes = store.load_bars(conn, "NFLX").set_index("date")["close"]
    assert abs(closes[date(2025, 11, 17)] / closes[date(2025, 11, 14)] - 1) < 0.2
    assert closes.pct_change().abs().max() < 0.2  # one basis all the way back
