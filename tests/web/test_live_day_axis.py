"""The live charts' x axis: the extended stock day, or midnight to midnight when crypto or FX is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

from stockdash.live.shared_reads import MinuteBar
from stockdash.web.live.figures import session_figure, watchlist_figure, whole_day

DAY = date(2026, 11, 24)  # a Tuesday


def _rows(hour_utc: int) -> list[MinuteBar]:
    t = datetime(2026, 11, 24, hour_utc, 0, tzinfo=UTC)
    return [MinuteBar("AAPL", t, open=100.0, high=101.0, low=99.0, close=100.5, volume=10)]


def test_the_watchlist_chart_spans_the_whole_day_when_it_holds_bitcoin():
    stocks = {"AAPL": (_rows(15), 99.0)}
    figure, _ = watchlist_figure(stocks, day=DAY, key="k")
    assert "range" not in figure["layout"]["xaxis"]  # 04:00-20:00, widened by the shaded extended hours
    figure, _ = watchlist_figure(stocks | {"BTC-USD": (_rows(8), 99.0)}, day=DAY, key="k")  # 03:00 ET
    assert figure["layout"]["xaxis"]["range"] == ["2026-11-24 00:00:00", "2026-11-25 00:00:00"]
    assert whole_day(DAY) == figure["layout"]["xaxis"]["range"]


def test_a_crypto_session_chart_spans_the_whole_day():
    figure, _ = session_figure(
        "EURUSD=X", _rows(8), quote=None, prev_close=1.1, day=DAY, chart_type="line", key="k"
    )
    assert figure["layout"]["xaxis"]["range"] == whole_day(DAY)
    figure, _ = session_figure(
        "AAPL", _rows(15), quote=None, prev_close=99.0, day=DAY, chart_type="line", key="k"
    )
    assert "range" not in figure["layout"]["xaxis"]
