"""The Yahoo provider against recorded Yahoo answers, through yfinance's own requests and parsing."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from stockdash.providers.base import BAR_COLUMNS, ProviderError
from stockdash.providers.yahoo import (
    NO_DATA,
    RATE_LIMITED,
    TIMEOUT,
    YahooProvider,
    frame_to_bars,
    reachable,
    trading_dates,
)
from tests.yahoo_replay import (
    FIXTURES,
    YahooReplay,
    not_found,
    rate_limited,
    recording,
    timeout,
    yahoo_http_fixture,  # noqa: F401 - registers the yahoo_http fixture
)

AAPL_FALL = "AAPL_2020-08-31_2020-11-06"
SINGLE_DAY = ["AAPL", "AMZN", "GOOG", "ABBV", "QQQ"]


def provider(**kwargs) -> YahooProvider:
    """Fast provider for tests: no backoff sleeps, few retries."""
    return YahooProvider(**{"backoff_base": 0.0, "retries": 2, "threads": 2, **kwargs})


def raw_bars(name: str) -> pd.DataFrame:
    """The recording read directly (not through yfinance), indexed by exchange-local date."""
    result = json.loads((FIXTURES / f"{name}.json").read_text())["chart"]["result"][0]
    tz = ZoneInfo(result["meta"]["exchangeTimezoneName"])
    quote = result["indicators"]["quote"][0]
    frame = pd.DataFrame(
        {
            "open": quote["open"],
            "high": quote["high"],
            "low": quote["low"],
            "close": quote["close"],
            "adj_close": result["indicators"]["adjclose"][0]["adjclose"],
            "volume": quote["volume"],
        },
        index=[datetime.fromtimestamp(t, tz).date() for t in result["timestamp"]],
    )
    return frame


def assert_matches_recording(bars: pd.DataFrame, symbol: str, name: str) -> None:
    """Every bar of SYMBOL equals the recording's numbers on the same exchange-local date."""
    mine = bars[bars.symbol == symbol].set_index("date")
    raw = raw_bars(name).loc[mine.index]
    assert list(mine.index) == list(raw_bars(name).index)
    for column in ["open", "high", "low", "close", "adj_close"]:
        np.testing.assert_allclose(mine[column].to_numpy(), raw[column].to_numpy(), rtol=1e-9)
    assert mine["volume"].tolist() == raw["volume"].tolist()


def actions_of(result, symbol: str) -> list[tuple[date, str, float]]:
    rows = result.actions[result.actions.symbol == symbol]
    return [(r.date, r.kind, pytest.approx(r.value)) for r in rows.itertuples()]


# 1. ------------------------------------------------------------------------------------------


def test_aapl_split_dividend_and_dst(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", recording(AAPL_FALL))
    result = provider().fetch_daily(["AAPL"], start=date(2020, 8, 31), end=date(2020, 11, 6))

    bars = result.bars
    assert result.failures == {}
    assert list(bars.columns) == BAR_COLUMNS
    assert len(bars) == 49
    assert all(type(d) is date for d in bars.date)
    assert bars.volume.dtype == np.int64
    dates = list(bars.date)
    assert dates[0] == date(2020, 8, 31) and dates[-1] == date(2020, 11, 6)
    # Bars stamped 13:30Z before the DST end (Nov 1) and 14:30Z after: both are NY trading days.
    assert date(2020, 10, 30) in dates and date(2020, 11, 2) in dates
    assert date(2020, 9, 7) not in dates  # Labor Day
    assert all(d.weekday() < 5 for d in dates)
    assert_matches_recording(bars, "AAPL", AAPL_FALL)

    by_date = bars.set_index("date")
    assert by_date.loc[date(2020, 11, 6), "close"] == pytest.approx(118.69000244)
    assert by_date.loc[date(2020, 8, 31), "close"] == pytest.approx(129.03999328)  # split-adjusted
    before = by_date.loc[: date(2020, 11, 5)]
    assert (before.adj_close < before.close - 0.5).all()
    # The 0.205 dividend shows as a step in adj/close across its ex-date.
    ratio = by_date.adj_close / by_date.close
    step = ratio[date(2020, 11, 5)] / ratio[date(2020, 11, 6)]
    assert step == pytest.approx(1 - 0.205 / by_date.loc[date(2020, 11, 5), "close"], abs=2e-5)

    assert actions_of(result, "AAPL") == [
        (date(2020, 8, 31), "split", 4.0),
        (date(2020, 11, 6), "dividend", 0.205),
    ]
    history = [c for c in yahoo_http.calls if c.kind == "history"]
    ny = ZoneInfo("America/New_York")
    assert len(history) == 1
    assert int(history[0].params["period1"]) == int(datetime(2020, 8, 31, tzinfo=ny).timestamp())
    assert int(history[0].params["period2"]) == int(datetime(2020, 11, 7, tzinfo=ny).timestamp())


# 2. ------------------------------------------------------------------------------------------


def test_batch_survives_unknown_symbol(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("MSFT", recording("MSFT_2021-02-01_2022-01-28"))
    yahoo_http.add("NVDA", recording("NVDA_2021-02-01_2022-01-28"))
    yahoo_http.add("NOSUCHSYM", not_found())
    result = provider(threads=3).fetch_daily(
        ["MSFT", "NOSUCHSYM", "NVDA"], start=date(2021, 2, 1), end=date(2022, 1, 28)
    )

    assert result.failures == {"NOSUCHSYM": NO_DATA}
    assert result.bars.groupby("symbol").size().to_dict() == {"MSFT": 252, "NVDA": 252}
    assert_matches_recording(result.bars, "MSFT", "MSFT_2021-02-01_2022-01-28")
    assert_matches_recording(result.bars, "NVDA", "NVDA_2021-02-01_2022-01-28")
    msft, nvda = (result.bars[result.bars.symbol == s] for s in ("MSFT", "NVDA"))
    assert list(msft.date) == list(nvda.date)
    assert actions_of(result, "NVDA") == [(date(2021, 7, 20), "split", 4.0)]
    assert actions_of(result, "MSFT") == [
        (date(2021, 2, 17), "dividend", 0.56),
        (date(2021, 5, 19), "dividend", 0.56),
        (date(2021, 8, 18), "dividend", 0.56),
        (date(2021, 11, 17), "dividend", 0.62),
    ]


# 3. ------------------------------------------------------------------------------------------


def test_tokyo_split_and_dividend_same_day(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("6309.T", recording("6309.T"))
    result = provider().fetch_daily(["6309.T"], start=date(2025, 4, 21), end=date(2025, 5, 19))

    bars = result.bars.set_index("date")
    assert result.failures == {}
    assert list(bars.index) == [date(2025, 4, d) for d in (21, 22, 23, 24, 25, 28, 30)] + [
        date(2025, 5, d) for d in (1, 2, 7, 8, 9, 12, 13, 14, 15, 16, 19)
    ]
    assert_matches_recording(result.bars, "6309.T", "6309.T")
    assert bars.loc[date(2025, 4, 21), "close"] == pytest.approx(4285 / 3, rel=1e-6)
    assert bars.loc[date(2025, 4, 21), "adj_close"] == pytest.approx(1354.03295898)
    assert (bars.loc[: date(2025, 4, 25)].adj_close < bars.loc[: date(2025, 4, 25)].close).all()
    assert (bars.loc[date(2025, 4, 28) :].adj_close == bars.loc[date(2025, 4, 28) :].close).all()
    assert actions_of(result, "6309.T") == [
        (date(2025, 4, 28), "split", 3.0),
        (date(2025, 4, 28), "dividend", 73.0),
    ]


# 4. ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "name", "start", "end", "dates"),
    [
        (
            "BTC-USD",
            "BTC-USD_2020-01-01_2020-01-03",
            date(2020, 1, 1),
            date(2020, 1, 3),
            [date(2020, 1, 1), date(2020, 1, 2), date(2020, 1, 3)],
        ),
        (
            "EURUSD=X",
            "EURUSD=X_2020-01-01_2020-01-03",
            date(2020, 1, 1),
            date(2020, 1, 3),
            [date(2020, 1, 1), date(2020, 1, 2), date(2020, 1, 3)],
        ),
        ("OCDO.L", "OCDO.L_2020-01-02_2020-01-02", date(2020, 1, 2), date(2020, 1, 2), [date(2020, 1, 2)]),
        (
            "WSU.DE",
            "WSU.DE_2023-08-04_2023-08-08",
            date(2023, 8, 4),
            date(2023, 8, 8),
            [date(2023, 8, 4), date(2023, 8, 7), date(2023, 8, 8)],
        ),
        ("QQQ", "QQQ_2020-01-02_2020-01-02", date(2020, 1, 2), date(2020, 1, 2), [date(2020, 1, 2)]),
        (
            "BHP.AX",
            "SYNTHETIC_BHP.AX_2025-01-06_2025-01-10",
            date(2025, 1, 6),
            date(2025, 1, 10),
            [date(2025, 1, d) for d in (6, 7, 8, 9, 10)],
        ),
    ],
)
def test_markets_parse(yahoo_http: YahooReplay, symbol, name, start, end, dates) -> None:
    yahoo_http.add(symbol, recording(name))
    result = provider().fetch_daily([symbol], start=start, end=end)

    assert result.failures == {}
    assert list(result.bars.date) == dates
    assert list(result.bars.columns) == BAR_COLUMNS  # QQQ's Capital Gains column is not carried
    assert_matches_recording(result.bars, symbol, name)
    assert result.actions.empty


def test_market_specifics(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("OCDO.L", recording("OCDO.L_2020-01-02_2020-01-02"))
    yahoo_http.add("EURUSD=X", recording("EURUSD=X_2020-01-01_2020-01-03"))
    yahoo_http.add("QQQ", recording("QQQ_2020-01-02_2020-01-02"))
    symbols = ["OCDO.L", "EURUSD=X", "QQQ"]
    result = provider().fetch_daily(symbols, start=date(2020, 1, 1), end=date(2020, 1, 3))
    bars = result.bars.set_index("symbol")

    assert bars.loc["OCDO.L", "close"] == pytest.approx(1259.5)  # pence, as quoted
    assert (result.bars[result.bars.symbol == "EURUSD=X"].volume == 0).all()
    assert bars.loc["QQQ", "close"] == pytest.approx(216.16000366)
    assert bars.loc["QQQ", "adj_close"] == pytest.approx(209.63806152)


def test_empty_answers_are_failures(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", recording("AAPL_EMPTY-1m-2025-02-01"))
    yahoo_http.add("LUCYW", recording("LUCYW_EMPTY-1d-2024-01-01"))
    result = provider().fetch_daily(["AAPL", "LUCYW"], start=date(2024, 1, 1), end=date(2024, 1, 5))

    assert result.failures == {"AAPL": NO_DATA, "LUCYW": NO_DATA}
    assert result.bars.empty and result.actions.empty


def test_range_outside_recording_is_no_data(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", recording(AAPL_FALL))
    result = provider().fetch_daily(["AAPL"], start=date(2019, 1, 1), end=date(2019, 1, 31))

    assert result.failures == {"AAPL": NO_DATA}


# 5. ------------------------------------------------------------------------------------------


def test_one_429_is_absorbed_by_yfinance_retry(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", rate_limited(), recording(AAPL_FALL))
    result = provider().fetch_daily(["AAPL"], start=date(2020, 8, 31), end=date(2020, 11, 6))

    assert len(result.bars) == 49 and result.failures == {}
    # yfinance re-asks once itself after a 4xx (switching cookie strategy): 429, then the answer.
    assert yahoo_http.count("AAPL", "tz") == 2 and yahoo_http.count("AAPL", "history") == 1


def test_429_twice_then_success_is_retried(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", rate_limited(), rate_limited(), recording(AAPL_FALL))
    result = provider().fetch_daily(["AAPL"], start=date(2020, 8, 31), end=date(2020, 11, 6))

    assert len(result.bars) == 49 and result.failures == {}
    # Attempt 1: 429, 429 -> YFRateLimitError. Attempt 2 (ours): timezone, then data.
    assert yahoo_http.count("AAPL") == 4


def test_429_forever_fails_one_symbol_with_bounded_attempts(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", rate_limited())
    yahoo_http.add("MSFT", recording("MSFT_2021-02-01_2022-01-28"))
    result = provider(retries=2).fetch_daily(["AAPL", "MSFT"], start=date(2021, 2, 1), end=date(2022, 1, 28))

    assert result.failures == {"AAPL": RATE_LIMITED}
    assert len(result.bars) == 252
    assert yahoo_http.count("AAPL") == 3 * 2  # 3 attempts, each a request and yfinance's re-ask


def test_429_for_everyone_raises(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", rate_limited())
    yahoo_http.add("MSFT", rate_limited())
    with pytest.raises(ProviderError, match="rate limited"):
        provider(retries=3).fetch_daily(["AAPL", "MSFT"], start=date(2021, 2, 1), end=date(2021, 3, 1))
    assert yahoo_http.count("AAPL") == yahoo_http.count("MSFT") == 4 * 2


def test_fully_rate_limited_chunk_stops_further_requests(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("GOOG", recording("GOOG_2020-01-02_2020-01-02"))
    yahoo_http.add("AAPL", rate_limited())
    yahoo_http.add("AMZN", recording("AMZN_2020-01-02_2020-01-02"))
    result = provider(chunk_size=1).fetch_daily(
        ["GOOG", "AAPL", "AMZN"], start=date(2020, 1, 2), end=date(2020, 1, 2)
    )

    assert list(result.bars.symbol) == ["GOOG"]
    assert result.failures["AAPL"] == RATE_LIMITED
    assert result.failures["AMZN"].startswith(f"{RATE_LIMITED} (not attempted")
    assert yahoo_http.count("AMZN") == 0


# 6. ------------------------------------------------------------------------------------------


def test_timeout_once_then_success(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", timeout(), recording(AAPL_FALL))
    result = provider().fetch_daily(["AAPL"], start=date(2020, 8, 31), end=date(2020, 11, 6))

    assert len(result.bars) == 49 and result.failures == {}
    assert yahoo_http.count("AAPL", "tz") == 2 and yahoo_http.count("AAPL", "history") == 1


def test_timeout_forever_fails_the_symbol(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", timeout())
    yahoo_http.add("GOOG", recording("GOOG_2020-01-02_2020-01-02"))
    result = provider(retries=2).fetch_daily(["AAPL", "GOOG"], start=date(2020, 1, 2), end=date(2020, 1, 2))

    assert result.failures == {"AAPL": TIMEOUT}
    assert list(result.bars.symbol) == ["GOOG"]
    assert yahoo_http.count("AAPL") == 3


def test_timeout_for_everyone_raises(yahoo_http: YahooReplay) -> None:
    yahoo_http.add("AAPL", timeout())
    with pytest.raises(ProviderError, match="timeout"):
        provider(retries=1).fetch_daily(["AAPL"], start=date(2020, 1, 2), end=date(2020, 1, 2))
    assert yahoo_http.count("AAPL") == 2


# 7. ------------------------------------------------------------------------------------------


def test_chunks(yahoo_http: YahooReplay, caplog: pytest.LogCaptureFixture) -> None:
    for symbol in SINGLE_DAY:
        yahoo_http.add(symbol, recording(f"{symbol}_2020-01-02_2020-01-02"))
    with caplog.at_level(logging.INFO, logger="stockdash.providers.yahoo"):
        result = provider(chunk_size=2, threads=2).fetch_daily(
            SINGLE_DAY, start=date(2020, 1, 2), end=date(2020, 1, 2)
        )

    assert sorted(result.bars.symbol) == sorted(SINGLE_DAY)
    assert set(result.bars.date) == {date(2020, 1, 2)}
    for symbol in SINGLE_DAY:
        assert_matches_recording(result.bars, symbol, f"{symbol}_2020-01-02_2020-01-02")
    assert len([r for r in caplog.records if "yahoo chunk" in r.getMessage()]) == 3


def test_threads_do_not_change_the_answer(yahoo_http: YahooReplay) -> None:
    for symbol in SINGLE_DAY:
        yahoo_http.add(symbol, recording(f"{symbol}_2020-01-02_2020-01-02"))
    yahoo_http.add("BHP.AX", recording("SYNTHETIC_BHP.AX_2025-01-06_2025-01-10"))
    symbols = [*SINGLE_DAY, "BHP.AX", "GONE1", "GONE2"]
    kwargs = {"start": date(2020, 1, 1), "end": date(2025, 1, 10)}
    one = provider(threads=1).fetch_daily(symbols, **kwargs)
    many = provider(threads=8, chunk_size=4).fetch_daily(symbols, **kwargs)

    sort = ["symbol", "date"]
    pd.testing.assert_frame_equal(
        one.bars.sort_values(sort).reset_index(drop=True), many.bars.sort_values(sort).reset_index(drop=True)
    )
    assert one.failures == many.failures == {"GONE1": NO_DATA, "GONE2": NO_DATA}
    assert len(one.bars) == 10


# 8. ------------------------------------------------------------------------------------------


def test_reachable_is_false_fast_without_internet() -> None:
    began = time.monotonic()
    assert reachable() is False
    assert time.monotonic() - began < 4


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Keep test output quiet."""


@pytest.fixture
def local_http() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v8/finance/chart/SPY"
    server.shutdown()
    server.server_close()
    thread.join()


def test_reachable_counts_any_http_answer(local_http: str) -> None:
    assert reachable(timeout=2.0, url=local_http) is True


# Normalisation of frames in other shapes ----------------------------------------------------


def test_utc_index_becomes_exchange_local_dates() -> None:
    index = pd.DatetimeIndex(["2025-01-05 23:00", "2025-01-09 23:00"], tz="UTC")
    assert trading_dates(index, "Australia/Sydney") == [date(2025, 1, 6), date(2025, 1, 10)]
    assert trading_dates(index.tz_localize(None), None) == [date(2025, 1, 5), date(2025, 1, 9)]


def test_download_shaped_frame_is_normalised() -> None:
    index = pd.DatetimeIndex(["2020-01-02", "2020-01-03"], tz="America/New_York", name="Date")
    columns = pd.MultiIndex.from_product(
        [["Adj Close", "Close", "High", "Low", "Open", "Volume"], ["AAPL", "MSFT"]], names=["Price", "Ticker"]
    )
    frame = pd.DataFrame(np.arange(24, dtype=float).reshape(2, 12), index=index, columns=columns)
    frame.loc[index[1], ("Close", "MSFT")] = np.nan

    bars = frame_to_bars(frame, "MSFT", "America/New_York")
    assert list(bars.date) == [date(2020, 1, 2)]
    assert bars.iloc[0][["open", "close", "adj_close", "volume"]].tolist() == [9.0, 3.0, 1.0, 11]
