"""The screener's snapshot against a plain per-symbol computation (pandas and TA-Lib) over the same bars."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import and_, delete, select

from stockdash import jobs, movers, screener, stats, store
from stockdash.providers.demo import DemoProvider
from stockdash.schema import daily_bars
from stockdash.schema import screener as screener_table
from tests.screener_reference import figures, sessions_to

TODAY = date(2026, 11, 27)  # the half day after Thanksgiving: the session before is Wed 11-25
SYMBOLS = ["AAPL", "MSFT", "NVDA", "NFLX", "KO", "JPM", "XOM", "SPY", "QQQ", "AMZN"]
GAPPY = "MSFT"  # three sessions deleted inside the window
DROPPED = [date(2026, 11, 13), date(2026, 10, 1), date(2026, 6, 1)]
YOUNG = "KO"  # only its last 30 sessions kept: a new listing
COMPARED = [f for f in screener.ROW_FIELDS if f not in ("symbol", "name", "sector", "kind", "in_sp500")]


def pull(engine, settings, symbols: list[str], today: date, years: float = 2.2) -> None:
    s = settings.model_copy(update={"history_years": years})
    result = jobs.pull(engine, DemoProvider(today=today), s, symbols=symbols, today=today, progress=False)
    assert result.status == "ok", result.log_line()


@pytest.fixture
def filled(engine, settings):
    pull(engine, settings, SYMBOLS, TODAY)
    young_start = sessions_to(TODAY, 30)[0]
    with engine.begin() as conn:
        conn.execute(delete(daily_bars).where(daily_bars.c.symbol == GAPPY, daily_bars.c.date.in_(DROPPED)))
        conn.execute(delete(daily_bars).where(daily_bars.c.symbol == YOUNG, daily_bars.c.date < young_start))
    return engine


def snapshot_rows(engine, as_of: date) -> dict[str, dict]:
    with engine.connect() as conn:
        day, rows = screener.read_snapshot(conn, as_of)
    assert day == as_of
    return {r["symbol"]: r for r in rows}


def reference(engine, symbol: str, as_of: date) -> dict | None:
    with engine.connect() as conn:
        bars = store.load_bars(conn, symbol, end=as_of)
    return figures(bars, as_of, sessions_to(as_of))


def assert_same(got: dict, want: dict, symbol: str) -> None:
    for field in COMPARED:
        g, w = got[field], want[field]
        if w is None:
            assert g is None, (symbol, field, g)
        elif isinstance(w, bool):
            assert g is w, (symbol, field, g, w)
        else:
            assert g == pytest.approx(w, rel=1e-9, abs=1e-9), (symbol, field)


def test_snapshot_matches_an_independent_computation(filled):
    result = jobs.compute_stats(filled, as_of=TODAY)
    assert result.status == "ok", result.log_line()
    assert result.rows_written == len(SYMBOLS)
    rows = snapshot_rows(filled, TODAY)
    assert set(rows) == set(SYMBOLS)
    for symbol in SYMBOLS:
        assert_same(rows[symbol], reference(filled, symbol, TODAY), symbol)
    assert rows["SPY"]["kind"] == "etf" and rows["AAPL"]["in_sp500"] is True
    assert rows["AAPL"]["sector"] == "Information Technology" and rows["AAPL"]["name"].startswith("Apple")


def test_a_new_listing_and_missing_sessions_have_no_value_rather_than_a_wrong_one(filled):
    assert jobs.compute_stats(filled, as_of=TODAY).status == "ok"
    rows = snapshot_rows(filled, TODAY)
    young = rows[YOUNG]
    for field in ("pct_1y", "pct_6m", "pct_3m", "pct_ytd", "sma200", "sma50", "high_52w", "new_high_52w"):
        assert young[field] is None, field
    assert young["pct_1m"] is not None and young["rsi14"] is not None and young["avg_volume_20"] is not None
    gappy = rows[GAPPY]  # 11-13 is inside the last 20 sessions, so every window figure misses a bar
    for field in ("sma50", "sma200", "high_52w", "avg_volume_20", "dollar_volume_20", "relvol"):
        assert gappy[field] is None, field
    for field in ("pct_1d", "pct_1w", "pct_1y", "gap_pct", "rsi14", "atr14_pct"):
        assert gappy[field] is not None, field


def test_horizons_count_sessions_across_a_holiday(filled):
    assert jobs.compute_stats(filled, as_of=TODAY).status == "ok"
    row = snapshot_rows(filled, TODAY)["AAPL"]
    with filled.connect() as conn:
        bars = store.load_bars(conn, "AAPL", start=date(2026, 11, 18), end=TODAY).set_index("date")
    assert date(2026, 11, 26) not in bars.index  # Thanksgiving
    want = (bars.at[TODAY, "adj_close"] / bars.at[date(2026, 11, 25), "adj_close"] - 1) * 100
    assert row["pct_1d"] == pytest.approx(want, rel=1e-12)
    assert row["gap_pct"] == pytest.approx(
        (bars.at[TODAY, "open"] / bars.at[date(2026, 11, 25), "close"] - 1) * 100
    )
    want_1w = (bars.at[TODAY, "adj_close"] / bars.at[date(2026, 11, 19), "adj_close"] - 1) * 100  # 5 sessions
    assert row["pct_1w"] == pytest.approx(want_1w, rel=1e-12)


def test_movers_and_screener_give_the_same_changes(filled):
    assert jobs.compute_stats(filled, as_of=TODAY).status == "ok"
    rows = snapshot_rows(filled, TODAY)
    with filled.connect() as conn:
        for horizon in movers.HORIZONS:
            frame = movers.changes(conn, TODAY, horizon)
            assert len(frame) >= 8
            for symbol, pct in frame["pct_change"].items():
                assert rows[symbol][f"pct_{horizon}"] == pytest.approx(pct, rel=1e-12), (symbol, horizon)
            no_change = set(SYMBOLS) - set(frame.index)
            assert all(rows[s][f"pct_{horizon}"] is None for s in no_change)


def test_rerun_replaces_the_rows(filled):
    assert jobs.compute_stats(filled, as_of=TODAY).status == "ok"
    with filled.begin() as conn:
        conn.execute(delete(daily_bars).where(daily_bars.c.symbol == "XOM", daily_bars.c.date == TODAY))
    again = jobs.compute_stats(filled, as_of=TODAY)
    assert again.status == "ok" and again.rows_written == len(SYMBOLS) - 1
    assert "XOM" not in snapshot_rows(filled, TODAY)  # no bar that day any more: no row


SPLIT = date(2025, 11, 17)  # NFLX 10:1 in the demo data
BEFORE_SPLIT = date(2025, 11, 14)


def test_the_daily_snapshot_rolls_rsi_on_and_a_split_day_is_no_crash(engine, settings):
    """Day by day as the clock runs it: Friday's pull and snapshot, then Monday's, when NFLX splits
    10:1 and its history is refetched on the new basis. Monday's RSI/ATR roll on from Friday's
    state for AAPL and are rebuilt for NFLX; both equal TA-Lib over the whole stored history."""
    pull(engine, settings, ["NFLX", "AAPL"], BEFORE_SPLIT, years=1.5)
    assert jobs.compute_stats(engine, as_of=BEFORE_SPLIT).status == "ok"
    friday = snapshot_rows(engine, BEFORE_SPLIT)["NFLX"]
    pull(engine, settings, ["NFLX", "AAPL"], SPLIT, years=1.5)
    monday = jobs.compute_stats(engine, as_of=SPLIT)
    assert monday.status == "ok"
    assert monday.message.startswith("1 symbols'")  # NFLX rebuilt, AAPL rolled on
    rows = snapshot_rows(engine, SPLIT)
    nflx = rows["NFLX"]
    assert nflx["close"] < friday["close"] / 5  # the new basis
    assert abs(nflx["gap_pct"]) < 15 and abs(nflx["pct_1d"]) < 15
    assert nflx["new_low_52w"] is False and nflx["from_low_52w_pct"] > 0
    for symbol in ("NFLX", "AAPL"):
        assert_same(rows[symbol], reference(engine, symbol, SPLIT), symbol)
    with engine.begin() as conn:
        full = stats.compute(conn, SPLIT, full=True).frame
    for symbol in ("NFLX", "AAPL"):
        assert rows[symbol]["rsi14"] == pytest.approx(full.at[symbol, "rsi14"], abs=1e-9)
        assert rows[symbol]["atr14_pct"] == pytest.approx(full.at[symbol, "atr14_pct"], abs=1e-9)


def test_snapshot_of_an_earlier_session_and_no_data(engine, settings):
    assert jobs.compute_stats(engine).status == "failed"  # nothing stored yet
    pull(engine, settings, ["AAPL", "SPY"], TODAY, years=1.2)
    earlier = date(2026, 11, 20)
    assert jobs.compute_stats(engine, as_of=earlier).status == "ok"
    assert jobs.compute_stats(engine, as_of=date(2026, 11, 22)).target_date == earlier  # a Sunday
    with engine.connect() as conn:
        days = set(conn.execute(select(screener_table.c.as_of).distinct()).scalars())
        assert days == {earlier}
        assert conn.execute(
            select(screener_table.c.symbol).where(
                and_(screener_table.c.as_of == earlier, screener_table.c.symbol == "AAPL")
            )
        ).first()
