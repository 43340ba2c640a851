"""A closed market still shows the market (issue 20 item 2), at fixed moments of Thanksgiving week
2026 and the week after, on SQLite and PostgreSQL: the watchlist's last price with its session, the
live chart's last session by its real date, crypto's own day, and when the stream opens next."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete, insert

from stockdash.calendar import NEW_YORK
from stockdash.live.frames import Quote
from stockdash.live.latest import latest
from stockdash.live.shared_reads import SharedReads
from stockdash.live.writer import Writer
from stockdash.schema import daily_bars
from stockdash.web import create_app
from stockdash.web.live.live_chart import live_chart
from stockdash.web.live.refresh import refresh_quotes
from stockdash.web.live.status import market_status
from tests.web.conftest import demo_settings, services_for

# AAPL's stored daily sessions (a pull after each close): day -> close; each day's open is 1 lower.
CLOSES = {
    date(2026, 11, 23): 100.0,
    date(2026, 11, 24): 102.0,
    date(2026, 11, 25): 101.0,
    date(2026, 11, 27): 104.0,  # the half day after Thanksgiving
    date(2026, 11, 30): 103.0,
    date(2026, 12, 1): 105.0,
    date(2026, 12, 2): 108.0,
}


def ny(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


PRE = ny("2026-11-24T07:30")  # Tue: pre-market
REGULAR = ny("2026-11-24T11:00")
POST = ny("2026-11-24T17:30")
LATE = ny("2026-11-24T21:30")  # Tue night: nothing streams until Wed 04:00
OVERNIGHT = ny("2026-12-03T02:48")  # Thu 02:48, the hour issue 20 was filed at
WEEKEND = ny("2026-11-28T12:00")  # Sat
HOLIDAY = ny("2026-11-26T12:00")  # Thanksgiving
HALF_DAY = ny("2026-11-27T13:30")  # Fri, 30 minutes after the 13:00 close


@pytest.fixture
def services(engine, database_url):
    with engine.begin() as conn:
        conn.execute(
            insert(daily_bars),
            [
                {"symbol": "AAPL", "date": d, "open": c - 1, "high": c + 2, "low": c - 3, "close": c}
                | {"adj_close": c, "volume": 1_000_000}
                for d, c in CLOSES.items()
            ],
        )
    srv = services_for(database_url, watchlist="AAPL,MSFT,BTC-USD")
    srv.live.cache.ttl = 0  # every call reads what was just written
    return srv


def write(services, *quotes: Quote) -> None:
    writer = Writer(services.engine)
    for q in quotes:
        writer.put(q)
    writer.flush()


def quote(symbol: str, at: datetime, price: float, session: str, prev: float = 102.0) -> Quote:
    return Quote(
        symbol, at.astimezone(UTC), price, price - prev, (price / prev - 1) * 100, 5000, session, "stream"
    )


def pulled_until(engine, day: date) -> None:
    """Only the daily bars a pull before `day`'s pre-market would have stored."""
    with engine.begin() as conn:
        conn.execute(delete(daily_bars).where(daily_bars.c.date >= day))


def rows_at(services, now: datetime) -> dict[str, dict]:
    refresh = refresh_quotes(
        services,
        SharedReads(0),
        watch=["AAPL", "MSFT", "BTC-USD"],
        rules=None,
        states=None,
        fired=None,
        now=now,
    )
    assert isinstance(refresh.rows, dict)
    return {r["symbol"]: r for r in refresh.rows["update"]}


def chart_at(services, now: datetime, symbol: str = "AAPL", view: str = "symbol"):
    return live_chart(
        services,
        SharedReads(0),
        trigger=None,
        focus={"symbol": symbol},
        view=view,
        chart_type="line",
        watch=["AAPL", "MSFT", "BTC-USD"],
        held=None,
        now=now,
    )


@pytest.mark.parametrize(
    ("now", "day", "clock", "streams", "waiting"),
    [
        (OVERNIGHT, date(2026, 12, 2), "Wed 16:00", "streams from 04:00 ET", "from 04:00"),
        (WEEKEND, date(2026, 11, 27), "Fri 13:00", "streams from Mon 30 Nov 04:00 ET", "from Mon 04:00"),
        (HOLIDAY, date(2026, 11, 25), "Wed 16:00", "streams from Fri 27 Nov 04:00 ET", "from Fri 04:00"),
        (LATE, date(2026, 11, 24), "16:00:00", "streams from Wed 25 Nov 04:00 ET", "from Wed 04:00"),
    ],
)
def test_closed_market_shows_the_last_close_and_that_sessions_candle(
    services, now, day, clock, streams, waiting
):
    aapl = rows_at(services, now)["AAPL"]
    close, before = CLOSES[day], CLOSES[max(d for d in CLOSES if d < day)]
    assert (aapl["price"], aapl["session"], aapl["time"]) == (close, "close", clock)
    assert aapl["change"] == pytest.approx(close - before)
    assert aapl["pct_change"] == pytest.approx((close / before - 1) * 100)

    figure, held, label = chart_at(services, now)
    assert (
        label == f"AAPL · Last session · {day:%a %d %b %Y} · daily candle (no minute bars stored) · {streams}"
    )
    [candle] = figure["data"]
    assert candle["type"] == "candlestick" and candle["close"] == [close] and candle["open"] == [close - 1]
    assert figure["layout"]["xaxis"]["range"][0].startswith(f"{day:%Y-%m-%d} 04:00")
    assert figure["layout"]["shapes"][-1]["y0"] == pytest.approx(before)  # the previous close line

    _, status = market_status(now)
    assert status.endswith(f" · {streams}")
    not_live = latest(services.live, [], ["NVDA"], now=now).not_live["NVDA"]
    assert not_live.message == f"not live yet: {streams}"
    # MSFT has no price at all: its row says when it streams, not "waiting".
    assert rows_at(services, now)["MSFT"]["time"] == waiting


def test_a_holiday_says_so_and_the_half_day_before_is_named():
    assert market_status(HOLIDAY)[1] == (
        "Market closed (holiday) · next open Fri 27 Nov 09:30 ET (half day)"
        " · streams from Fri 27 Nov 04:00 ET"
    )
    assert market_status(HALF_DAY)[1] == "Post-market until 17:00 ET · next open Mon 30 Nov 09:30 ET"


def test_after_the_half_day_close_the_days_own_candle_is_today(services):
    aapl = rows_at(services, HALF_DAY)["AAPL"]
    assert (aapl["price"], aapl["session"], aapl["time"]) == (104.0, "close", "13:00:00")
    figure, _, label = chart_at(services, HALF_DAY)
    assert label == "AAPL · Today · Fri 27 Nov 2026 · daily candle (no minute bars stored)"
    assert figure["data"][0]["close"] == [104.0]


def test_streaming_sessions_show_the_live_quote_with_its_session(services):
    write(services, quote("AAPL", PRE - timedelta(minutes=1), 102.5, "pre"))
    assert (rows_at(services, PRE)["AAPL"]["session"], rows_at(services, PRE)["AAPL"]["time"]) == (
        "pre",
        "07:29:00",
    )
    figure, _, label = chart_at(services, PRE)
    assert label == "AAPL · Today · Tue 24 Nov 2026"
    assert figure["data"][0]["y"] == [102.5]  # today's pre-market minute, not a daily candle

    write(services, quote("AAPL", REGULAR - timedelta(minutes=1), 103.0, "regular"))
    assert rows_at(services, REGULAR)["AAPL"]["session"] == "regular"
    assert rows_at(services, POST)["AAPL"]["session"] == "close"  # no trade after the close yet
    write(services, quote("AAPL", POST - timedelta(minutes=1), 103.4, "post"))
    aapl = rows_at(services, POST)["AAPL"]
    assert (aapl["price"], aapl["session"], aapl["time"]) == (103.4, "post", "17:29:00")
    # MSFT is in the live set but has no quote: the stream runs, so it is picked up shortly.
    assert "within a few seconds" in latest(services.live, [], ["MSFT"], now=POST).not_live["MSFT"].message


def test_a_post_market_trade_after_the_last_close_is_the_last_price(services):
    write(services, quote("AAPL", ny("2026-12-02T19:05"), 108.7, "post", prev=105.0))
    aapl = rows_at(services, OVERNIGHT)["AAPL"]
    assert (aapl["price"], aapl["session"], aapl["time"]) == (108.7, "post", "Wed 19:05")
    figure, _, label = chart_at(services, OVERNIGHT)
    assert label == "AAPL · Last session · Wed 02 Dec 2026 · streams from 04:00 ET"
    assert figure["data"][0]["x"] == ["2026-12-02 19:05:00"]  # that session's minute bars


def test_pre_market_with_nothing_streamed_yet_shows_the_session_before(services, engine):
    pulled_until(engine, PRE.date())
    figure, _, label = chart_at(services, PRE)
    assert label == "AAPL · Last session · Mon 23 Nov 2026 · daily candle (no minute bars stored)"
    assert figure["data"][0]["close"] == [100.0]
    assert rows_at(services, PRE)["AAPL"]["price"] == 100.0  # the last close until a trade comes


def test_crypto_shows_its_own_24_hour_day(services):
    write(
        services,
        *(quote("BTC-USD", OVERNIGHT - timedelta(minutes=m), 90_000.0 + m, "regular") for m in (1, 90)),
    )
    btc = rows_at(services, OVERNIGHT)["BTC-USD"]
    assert (btc["price"], btc["session"], btc["time"]) == (90_001.0, "day24", "02:47:00")
    figure, _, label = chart_at(services, OVERNIGHT, symbol="BTC-USD")
    assert label == "BTC-USD · Today · Thu 03 Dec 2026"
    assert figure["data"][0]["x"] == ["2026-12-03 01:18:00", "2026-12-03 02:47:00"]
    assert figure["layout"]["xaxis"]["range"] == ["2026-12-03 00:00:00", "2026-12-04 00:00:00"]
    # The watchlist % chart shows the stocks' last session; bitcoin's bars of that New York day.
    _, _, label = chart_at(services, OVERNIGHT, view="all")
    assert label == "Watchlist % change on the day · Last session · Wed 02 Dec 2026 · streams from 04:00 ET"


def test_api_quotes_notice_says_when_the_stream_opens(services):
    app = create_app(demo_settings(services.settings.database_url, watchlist="AAPL"))
    with time_machine.travel(WEEKEND, tick=False):
        body = app.server.test_client().get("/api/quotes?symbols=NVDA").get_json()
    assert body["not_live"] == [
        {"symbol": "NVDA", "status": "pending", "message": "not live yet: streams from Mon 30 Nov 04:00 ET"}
    ]
