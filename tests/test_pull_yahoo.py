"""Full `pull` runs through the Yahoo provider, recorded Yahoo answers fed to yfinance's own HTTP code."""

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select, text

from stockdash import jobs, store
from stockdash.providers.yahoo import YahooProvider
from stockdash.schema import daily_bars
from tests.yahoo_replay import not_found, rate_limited, recording, timeout, yahoo_http_fixture  # noqa: F401

MSFT = "MSFT_2021-02-01_2022-01-28"
NVDA = "NVDA_2021-02-01_2022-01-28"
END_2021 = date(2022, 1, 28)


@pytest.fixture
def yahoo_settings(settings):
    return settings.model_copy(update={"provider": "yahoo", "history_years": 1})


def provider() -> YahooProvider:
    return YahooProvider(chunk_size=10, threads=2, retries=2, backoff_base=0.0, timeout=5)


def stored(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(
            conn.execute(select(daily_bars).order_by(daily_bars.c.symbol, daily_bars.c.date)).all()
        )


def test_batch_with_an_unknown_symbol_is_partial(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("MSFT", recording(MSFT)).add("NVDA", recording(NVDA)).add("NOPEX", not_found())
    result = jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT", "NVDA", "NOPEX"], today=END_2021)
    assert result.status == "partial"
    assert list(result.failures) == ["NOPEX"] and "no data" in result.failures["NOPEX"]
    counts = stored(engine).groupby("symbol").size().to_dict()
    assert counts == {"MSFT": 252, "NVDA": 252}  # every recorded session, both ends included
    with engine.connect() as conn:
        assert store.dataset_provider(conn) == "yahoo"


def test_pull_twice_through_yahoo_leaves_the_same_rows(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("MSFT", recording(MSFT))
    jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT"], today=END_2021)
    first = stored(engine)
    again = jobs.pull(
        engine, provider(), yahoo_settings, symbols=["MSFT"], today=END_2021, since=date(2021, 6, 1)
    )
    assert again.status == "ok"
    pd.testing.assert_frame_equal(stored(engine), first)


def test_rate_limit_then_success_is_ok(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("MSFT", rate_limited(), rate_limited(), rate_limited(), recording(MSFT))
    result = jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT"], today=END_2021)
    assert result.status == "ok", result.failures
    assert len(stored(engine)) > 200
    assert yahoo_http.count("MSFT") > 2


def test_rate_limit_forever_fails_and_keeps_what_was_stored(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("MSFT", recording(MSFT))
    jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT"], today=date(2021, 12, 31))
    before = stored(engine)
    yahoo_http.add("MSFT", rate_limited())
    result = jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT"], today=END_2021)
    assert result.status == "failed" and "rate limited" in result.message
    pd.testing.assert_frame_equal(stored(engine), before)


def test_timeout_forever_fails_and_timeout_once_recovers(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("MSFT", timeout())
    failed = jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT"], today=END_2021)
    assert failed.status == "failed" and "timeout" in failed.message
    assert stored(engine).empty
    yahoo_http.add("MSFT", timeout(), recording(MSFT))
    ok = jobs.pull(engine, provider(), yahoo_settings, symbols=["MSFT"], today=END_2021)
    assert ok.status == "ok" and len(stored(engine)) > 200


def test_split_between_pulls_rebases_history_and_is_no_fake_loser(engine, yahoo_settings, yahoo_http):
    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_PRESPLIT_2020-08-03_2020-08-28"))
    jobs.pull(engine, provider(), yahoo_settings, symbols=["AAPL"], today=date(2020, 8, 28))
    pre = stored(engine).set_index("date")["close"]
    assert pre[date(2020, 8, 28)] == pytest.approx(499.23)
    # What the naive "close vs previous close" would show on split day without a rebase:
    naive = 129.04 / pre[date(2020, 8, 28)] - 1
    assert naive < -0.7

    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_POSTSPLIT_2020-08-03_2020-11-06"))
    result = jobs.pull(engine, provider(), yahoo_settings, symbols=["AAPL"], today=date(2020, 11, 6))
    assert result.status == "ok"
    post = stored(engine).set_index("date")
    assert post.loc[date(2020, 8, 28), "close"] == pytest.approx(499.23 / 4)
    assert len(post) == 20 + 49  # the pre-split sessions and every post-split one, once each
    moved = jobs.compute_movers(engine, as_of=date(2020, 8, 31))
    assert moved.status == "ok"
    with engine.connect() as conn:
        pct = conn.execute(
            text("SELECT pct_change FROM movers WHERE symbol = 'AAPL' AND horizon = '1d' AND grp = 'all'")
        ).scalar_one()
    assert pct == pytest.approx((129.04 / (499.23 / 4) - 1) * 100, abs=0.5)
