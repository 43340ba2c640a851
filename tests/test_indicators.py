"""Indicators against TA-Lib's own functions, on demo prices and on hand-checked small series."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
import talib

from stockdash import indicators
from stockdash.indicators import UnknownIndicator
from stockdash.providers.demo import DemoProvider

REL = 1e-9


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    """Twenty years of one demo symbol: prices with splits, dividends, gaps and trends."""
    got = DemoProvider(today=date(2026, 1, 2)).fetch_daily(
        ["AAPL"], start=date(2006, 1, 1), end=date(2026, 1, 2)
    )
    return got.bars


def assert_same(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Same NaN warm-up, and equal values to 1e-9 relative (absolute near zero)."""
    assert len(ours) == len(theirs)
    assert (np.isnan(ours) == np.isnan(theirs)).all(), np.flatnonzero(np.isnan(ours) != np.isnan(theirs))[:5]
    filled = ~np.isnan(theirs)
    assert filled.sum() > 0
    np.testing.assert_allclose(ours[filled], theirs[filled], rtol=REL, atol=1e-9)


@pytest.mark.parametrize("n", [2, 20, 50, 200, 400])
def test_sma_and_ema_are_talibs(bars, n):
    close = bars["close"].to_numpy(float)
    assert_same(indicators.sma(close, n), talib.SMA(close, n))
    assert_same(indicators.ema(close, n), talib.EMA(close, n))


def test_rsi_atr_bollinger_are_talibs(bars):
    close, high, low = (bars[c].to_numpy(float) for c in ("close", "high", "low"))
    assert_same(indicators.rsi(close, 14), talib.RSI(close, 14))
    assert_same(indicators.atr(high, low, close, 14), talib.ATR(high, low, close, 14))
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, talib.MA_Type.SMA)
    ours = indicators.bollinger(close, 20)
    for a, b in zip(ours, (upper, middle, lower), strict=True):
        assert_same(a, b)


def test_macd_is_ema12_minus_ema26_with_an_ema9_signal(bars):
    close = bars["close"].to_numpy(float)
    line, signal, hist = indicators.macd(close)
    their_line = talib.EMA(close, 12) - talib.EMA(close, 26)
    assert_same(line, their_line)
    assert_same(signal, talib.EMA(their_line, 9))
    assert_same(hist, their_line - talib.EMA(their_line, 9))
    # talib.MACD seeds its fast EMA later; the two agree once the seed is forgotten.
    t_line, t_signal, _ = talib.MACD(close, 12, 26, 9)
    np.testing.assert_allclose(line[300:], t_line[300:], rtol=1e-6)
    np.testing.assert_allclose(signal[300:], t_signal[300:], rtol=1e-6)


def test_hand_checked_values():
    close = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.0])
    np.testing.assert_allclose(indicators.sma(close, 3)[2:], [2.0, 3.0, 4.0, 13 / 3])
    # EMA 3: seed mean(1,2,3)=2, then alpha 0.5: 3, 4, 4.
    np.testing.assert_allclose(indicators.ema(close, 3)[2:], [2.0, 3.0, 4.0, 4.0])
    # RSI 3: gains 1,1,1 -> 100; then gain 1: 100; then loss 1: avg gain 2/3, avg loss 1/3 -> 66.67.
    np.testing.assert_allclose(indicators.rsi(close, 3)[3:], [100.0, 100.0, 200 / 3])
    # Bollinger 3 over 3,4,5: mean 4, population std sqrt(2/3).
    upper, middle, lower = indicators.bollinger(close, 3)
    assert middle[4] == 4.0 and upper[4] == pytest.approx(4 + 2 * np.sqrt(2 / 3))
    assert np.isnan(indicators.sma(close, 7)).all()


def test_too_short_a_history_is_all_missing_not_an_error():
    close = np.array([10.0, 11.0, 12.0])
    got = indicators.compute(
        pd.DataFrame({"close": close, "high": close, "low": close}),
        indicators.parse("ema20,rsi14,macd,atr14"),
    )
    assert set(got) == {"ema20", "rsi14", "macd", "macd_signal", "macd_hist", "atr14"}
    assert all(np.isnan(v).all() for v in got.values())


def test_vwap_restarts_each_session():
    got = indicators.vwap([2, 4, 10], [2, 4, 10], [2, 4, 10], [1, 3, 5], ["a", "a", "b"])
    np.testing.assert_allclose(got, [2.0, (2 + 12) / 4, 10.0])


def test_names_parse_and_bad_ones_are_named():
    specs = indicators.parse("sma20,EMA400,rsi14,macd,bb20,atr14,sma20")
    assert [s.name for s in specs] == ["sma20", "ema400", "rsi14", "macd", "bb20", "atr14"]
    assert specs[4].columns == ["bb20_upper", "bb20_middle", "bb20_lower"]
    for bad in ("sma1", "ema401", "sma020", "rsi15", "macd12", "foo", "sma", "bb21"):
        with pytest.raises(UnknownIndicator, match=repr(bad)):
            indicators.parse(f"sma20,{bad}")
    with pytest.raises(UnknownIndicator, match="''"):
        indicators.parse("sma20,,rsi14")
    assert indicators.parse("") == []
