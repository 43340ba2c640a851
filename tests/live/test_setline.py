"""The clock's live-set line says when the stocks that wait will stream, not that they were refused."""

from datetime import datetime

import pytest

from stockdash.calendar import NEW_YORK
from stockdash.live.setline import live_set_line, stocks_stream_from


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("now", "starts"),
    [
        (ny(2026, 12, 3, 2, 48), ny(2026, 12, 3, 4, 0)),  # Thursday before the pre-market
        (ny(2026, 12, 3, 10, 0), ny(2026, 12, 3, 10, 0)),  # streaming now
        (ny(2026, 12, 3, 21, 0), ny(2026, 12, 4, 4, 0)),  # after the post-market: tomorrow
        (ny(2026, 12, 5, 12, 0), ny(2026, 12, 7, 4, 0)),  # Saturday: Monday
        (ny(2026, 12, 24, 18, 0), ny(2026, 12, 28, 4, 0)),  # Christmas Eve half day ends 17:00
    ],
)
def test_stocks_stream_from_the_next_extended_day(now, starts):
    assert stocks_stream_from(now) == starts


def test_the_line_names_the_hours_when_stocks_wait():
    line = live_set_line(streaming=1, waiting=12, refused=0, now=ny(2026, 12, 3, 2, 48))
    assert line == "live set: 1 symbol streaming; 12 wait for stock hours (stocks stream from 04:00 ET)"
    line = live_set_line(streaming=0, waiting=13, refused=2, now=ny(2026, 12, 5, 12, 0))
    assert "stocks stream from Mon 04:00 ET" in line and "2 refused (LIVE_MAX_SYMBOLS slots full)" in line
    assert live_set_line(streaming=13, waiting=0, refused=0, now=ny(2026, 12, 3, 10, 0)) == (
        "live set: 13 symbols streaming"
    )
