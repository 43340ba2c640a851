from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from stockdash import calendar


@pytest.mark.parametrize(
    ("day", "before"),
    [
        (date(2024, 11, 27), date(2024, 11, 26)),  # a session: the one before it
        (date(2024, 11, 23), date(2024, 11, 22)),  # Saturday
        (date(2024, 11, 28), date(2024, 11, 27)),  # Thanksgiving
        (date(2025, 1, 1), date(2024, 12, 31)),  # New Year's Day
    ],
)
def test_previous_session_of_any_day(day, before):
    assert calendar.previous_session(day) == before


def test_threads_asking_first_at_once_share_one_build():
    calendar._build_nyse.cache_clear()
    with ThreadPoolExecutor(4) as pool:
        built = list(pool.map(lambda _: calendar.nyse(), range(4)))
    assert all(cal is built[0] for cal in built)
    assert calendar._build_nyse.cache_info().misses == 1
