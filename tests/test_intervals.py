"""Weekly and monthly candles: ISO weeks and calendar months over real NYSE sessions."""

from datetime import date

import pandas as pd
import pytest

from stockdash import calendar
from stockdash.intervals import resample


def daily(start: date, end: date) -> pd.DataFrame:
    """One bar per NYSE session; each value tells its session apart (open = n, close = n + 0.5)."""
    days = calendar.sessions(start, end)
    n = pd.Series(range(1, len(days) + 1), dtype="float64")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(pd.Series(days)),
            "open": n,
            "high": n + 10 + (n % 3),  # the highest is not always the last
            "low": n - 10 - (n % 4),
            "close": n + 0.5,
            "adj_close": n + 0.25,
            "volume": (n * 100).astype("int64"),
        }
    )


def test_week_over_new_year_and_holidays_is_one_bar_dated_by_its_first_session():
    bars = daily(date(2025, 12, 22), date(2026, 1, 9))
    weeks = resample(bars, "1wk").set_index("date")
    # Christmas (Thu 25) is a holiday; Wed 24 a half day; New Year's Day (Thu 1) a holiday; ISO week 1
    # of 2026 starts Mon 29 Dec 2025.
    assert list(weeks.index.date) == [date(2025, 12, 22), date(2025, 12, 29), date(2026, 1, 5)]
    first = bars[bars.date.between("2025-12-22", "2025-12-26")]
    row = weeks.loc[pd.Timestamp("2025-12-22")]
    assert len(first) == 4  # Mon, Tue, Wed (half day), Fri
    assert row.open == first.open.iloc[0] and row.close == first.close.iloc[-1]
    assert row.adj_close == first.adj_close.iloc[-1]
    assert row.high == first.high.max() and row.low == first.low.min()
    assert row.volume == first.volume.sum()
    across = bars[bars.date.between("2025-12-29", "2026-01-02")]
    assert list(across.date.dt.date) == [
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 2),
    ]
    assert weeks.loc[pd.Timestamp("2025-12-29")].close == across.close.iloc[-1]


def test_week_starting_on_a_holiday_is_dated_by_its_first_session():
    bars = daily(date(2026, 1, 12), date(2026, 1, 23))  # Mon 19 Jan 2026 is MLK day
    weeks = resample(bars, "1wk")
    assert list(weeks.date.dt.date) == [date(2026, 1, 12), date(2026, 1, 20)]


def test_months_split_at_calendar_months_and_keep_columns():
    bars = daily(date(2024, 11, 1), date(2025, 2, 28)).assign(symbol="AAPL")
    months = resample(bars, "1mo")
    assert list(months.columns) == list(bars.columns)
    assert list(months.date.dt.date) == [
        date(2024, 11, 1),
        date(2024, 12, 2),
        date(2025, 1, 2),
        date(2025, 2, 3),
    ]
    dec = bars[bars.date.dt.month == 12]
    row = months.iloc[1]
    assert (row.open, row.close, row.volume) == (dec.open.iloc[0], dec.close.iloc[-1], dec.volume.sum())
    assert row.high == dec.high.max() and row.low == dec.low.min() and row.symbol == "AAPL"
    assert months.volume.sum() == bars.volume.sum()


def test_daily_is_unchanged_and_an_unknown_interval_is_refused():
    bars = daily(date(2025, 1, 2), date(2025, 1, 10))
    assert resample(bars, "1d") is bars
    with pytest.raises(ValueError, match="1h"):
        resample(bars, "1h")


def test_weekends_of_a_crypto_series_stay_in_their_iso_week():
    days = pd.date_range("2025-12-27", "2026-01-05", freq="D")  # Sat .. Mon
    bars = pd.DataFrame(
        {"date": days, "open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "adj_close": 1.5, "volume": 1}
    )
    weeks = resample(bars, "1wk")
    assert list(weeks.date.dt.date) == [date(2025, 12, 27), date(2025, 12, 29), date(2026, 1, 5)]
    assert list(weeks.volume) == [2, 7, 1]
