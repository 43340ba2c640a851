"""1D and 5D for a stock the live stream never stored: the chart asks the provider for minute bars,
stores them and draws them; daily candles only when the provider cannot answer, said plainly.
The header's period return for every period, at fixed moments."""

from __future__ import annotations

import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from stockdash import jobs, store
from stockdash.config import Settings
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.providers.demo import DemoProvider
from stockdash.providers.yahoo import YahooProvider
from stockdash.schema import daily_bars, intraday_bars
from stockdash.web.chart.callbacks import chart
from stockdash.web.services import Services
from tests.web.test_callbacks import text_of
from tests.yahoo_replay import rate_limited, recording, yahoo_http_fixture  # noqa: F401  (the fixture)

FRIDAY = date(2026, 11, 20)  # the last session closed at SATURDAY
SATURDAY = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)  # Sat 21 Nov 2026, 12:00 in New York
NO_REFRESH = 10**7  # stale_after_hours: the stored daily bars are never fetched again here


class CountingDemo(DemoProvider):
    """The demo provider as of FRIDAY, counting the minute-bar asks that reach it."""

    def __init__(self) -> None:
        super().__init__(today=FRIDAY)
        self.minute_asks = 0

    def fetch_minutes(self, symbol, *, start, end):
        self.minute_asks += 1
        return super().fetch_minutes(symbol, start=start, end=end)


def settings_for(url: str, provider: str = "demo") -> Settings:
    return Settings(
        _env_file=None, database_url=url, provider=provider, history_years=6, stale_after_hours=NO_REFRESH
    )


def fill(url: str, symbols: list[str]) -> None:
    """Daily demo bars up to FRIDAY, six years of them (so 5Y and Max differ)."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        result = jobs.pull(
            engine,
            DemoProvider(today=FRIDAY),
            settings_for(url),
            symbols=symbols,
            today=FRIDAY,
            progress=False,
        )
        assert result.status == "ok", result.log_line()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def six_years_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("intraday") / "six.db"
    fill(f"sqlite:///{path}", ["MSFT"])
    return str(path)


@pytest.fixture
def sqlite_six(six_years_file, tmp_path) -> str:
    copy = tmp_path / "six.db"
    shutil.copy(six_years_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture(params=["sqlite", "postgres"])
def six_url(request) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_six")
    url = request.getfixturevalue("postgres_url")
    fill(url, ["MSFT"])
    return url


def draw(services: Services, symbol: str, period: str, *, now: datetime, client: str = "a") -> tuple:
    view = {"symbol": symbol, "compare": [], "period": period, "start": None, "end": None}
    return chart(services, view, "candles", [], now=now, client=client)


def period_return(header) -> str:
    found = re.search(r"return ([+-][\d,]+\.\d\d%|–)", text_of(header))
    assert found, text_of(header)
    return found.group(1)


def daily(url: str, symbol: str) -> pd.DataFrame:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            frame = store.load_bars(conn, symbol)
    finally:
        engine.dispose()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame.set_index("date")


def stored_minutes(url: str, symbol: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(intraday_bars).where(intraday_bars.c.symbol == symbol)
            ).scalar_one()
    finally:
        engine.dispose()


def pct(end: float, base: float) -> str:
    return f"{(end / base - 1) * 100:+,.2f}%"


def test_a_stock_without_minute_bars_gets_them_fetched_stored_and_drawn(six_url):
    provider = CountingDemo()
    services = Services(settings_for(six_url), provider_override=provider)
    assert stored_minutes(six_url, "MSFT") == 0

    figure, header, notice, href = draw(services, "MSFT", "1D", now=SATURDAY)
    candles = figure["data"][0]
    assert candles["type"] == "candlestick" and len(candles["x"]) == 960  # Friday 04:00 to 20:00
    assert candles["x"][0] == "2026-11-20 04:00" and candles["x"][-1] == "2026-11-20 19:59"
    assert "1-minute bars (demo), Fri 20 Nov 04:00 to Fri 20 Nov 19:59 ET." in text_of(notice)
    assert href.startswith("/api/intraday/MSFT?")
    closes = daily(six_url, "MSFT")["close"]
    last_regular = candles["x"].index("2026-11-20 15:59")
    assert candles["close"][last_regular] == pytest.approx(closes[FRIDAY])  # the session ends on its close
    # The seven whole days before Saturday: Sat 14 to Fri 20 Nov, five sessions.
    assert stored_minutes(six_url, "MSFT") == 5 * 960

    figure, header, notice, _ = draw(services, "MSFT", "5D", now=SATURDAY, client="b")
    x = figure["data"][0]["x"]
    assert len(x) == 5 * 960 and x[0] == "2026-11-16 04:00" and x[-1] == "2026-11-20 19:59"
    assert "daily candles" not in text_of(notice)
    assert provider.minute_asks == 1  # stored once, drawn from the table after


def test_two_visitors_and_a_redraw_ask_the_provider_once_per_ten_minutes(sqlite_six):
    provider = CountingDemo()
    services = Services(settings_for(sqlite_six), provider_override=provider)
    # Saturday has no session: at a Friday moment the demo cannot give Friday's unfinished minutes,
    # so every view finds the day missing; the budget lets one ask through per ten minutes.
    friday_noon = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    for client in ("a", "b", "c"):
        draw(services, "MSFT", "5D", now=friday_noon, client=client)
    assert provider.minute_asks == 1
    draw(services, "MSFT", "1D", now=friday_noon + timedelta(minutes=11))
    assert provider.minute_asks == 2


# The header's period return at SATURDAY (last close Fri 20 Nov 2026), one test per period. 1D and
# 5D run from the close before the first session drawn (Thu 19, Fri 13) to Friday's close; the
# daily periods from the first close drawn (the first session on or after the period's first day).
FIRST_DAY = {
    "1M": date(2026, 10, 21),
    "3M": date(2026, 8, 21),
    "6M": date(2026, 5, 21),
    "YTD": date(2026, 1, 1),
    "1Y": date(2025, 11, 21),
    "5Y": date(2021, 11, 21),
    "Max": None,
}


@pytest.mark.parametrize("period,base_day", [("1D", date(2026, 11, 19)), ("5D", date(2026, 11, 13))])
def test_intraday_period_return_runs_from_the_close_before_the_sessions_drawn(sqlite_six, period, base_day):
    services = Services(settings_for(sqlite_six), provider_override=CountingDemo())
    _, header, _, _ = draw(services, "MSFT", period, now=SATURDAY)
    closes = daily(sqlite_six, "MSFT")["close"]
    assert period_return(header) == pct(closes[FRIDAY], closes[base_day])
    assert f"{period} return" in text_of(header)


@pytest.mark.parametrize("period", list(FIRST_DAY))
def test_daily_period_return_runs_from_the_first_close_drawn(sqlite_six, period):
    services = Services(settings_for(sqlite_six), provider_override=CountingDemo())
    _, header, _, _ = draw(services, "MSFT", period, now=SATURDAY)
    adj = daily(sqlite_six, "MSFT")["adj_close"]
    first = FIRST_DAY[period]
    shown = adj if first is None else adj[[d >= first for d in adj.index]]
    assert period_return(header) == pct(adj[FRIDAY], shown.iloc[0])
    if period == "5Y":
        assert shown.index[0] > adj.index[0]  # six years stored: 5Y is not Max


def yahoo_db(url: str) -> pd.DataFrame:
    """A Yahoo dataset holding AAPL's daily bars 9-20 Nov 2026 (made up), no minute bars."""
    days = pd.bdate_range("2026-11-09", "2026-11-20").date
    closes = [224.0 + 0.75 * i + (1.5 if i % 3 == 0 else 0.0) for i in range(len(days))]
    bars = pd.DataFrame(
        {
            "symbol": "AAPL",
            "date": days,
            "open": closes,
            "high": [c + 1 for c in closes],
            "low": [c - 1 for c in closes],
            "close": closes,
            "adj_close": closes,
            "volume": 50_000_000,
        }
    )
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            store.claim_dataset(conn, "yahoo")
            store.upsert_bars(conn, bars)
            assert conn.execute(select(func.count()).select_from(daily_bars)).scalar_one() == len(days)
    finally:
        engine.dispose()
    return bars.set_index("date")


def yahoo_services(url: str) -> Services:
    return Services(settings_for(url, provider="yahoo"), provider_override=YahooProvider(retries=0))


def test_yahoo_minute_bars_are_fetched_through_yfinance_and_drawn(database_url, yahoo_http):
    bars = yahoo_db(database_url)
    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_1m_2026-11-16_2026-11-20"))
    services = yahoo_services(database_url)

    figure, header, notice, _ = draw(services, "AAPL", "5D", now=SATURDAY)
    x = figure["data"][0]["x"]
    # 08:30-16:30 on five days, less Wednesday's minute without trades.
    assert len(x) == 5 * 480 - 1 and "2026-11-18 12:00" not in x
    assert x[0] == "2026-11-16 08:30" and x[-1] == "2026-11-20 16:29"
    assert "1-minute bars, Mon 16 Nov 08:30 to Fri 20 Nov 16:29 ET." in text_of(notice)
    assert period_return(header) == pct(bars["close"][FRIDAY], bars["close"][date(2026, 11, 13)])

    figure, header, notice, _ = draw(services, "AAPL", "1D", now=SATURDAY, client="b")
    assert len(figure["data"][0]["x"]) == 480
    assert period_return(header) == pct(bars["close"][FRIDAY], bars["close"][date(2026, 11, 19)])
    assert yahoo_http.count("AAPL", "history") == 1  # stored by the first view, read by the second
    history = next(c for c in yahoo_http.calls if c.kind == "history")
    assert history.params["interval"] == "1m" and history.params["includePrePost"] == "True"


def test_provider_down_says_daily_candles_plainly_and_is_asked_again_only_later(sqlite_url, yahoo_http):
    bars = yahoo_db(sqlite_url)
    yahoo_http.add("AAPL", rate_limited())
    services = yahoo_services(sqlite_url)

    figure, header, notice, href = draw(services, "AAPL", "5D", now=SATURDAY)
    said = text_of(notice)
    assert "No 1-minute bars for AAPL: the price provider did not answer" in said
    assert "rate limited" in said and "Showing daily candles instead." in said
    candles = figure["data"][0]
    assert candles["type"] == "candlestick" and len(candles["x"]) == 6  # Fri 13 (the base) to Fri 20
    assert period_return(header) == pct(bars["close"][FRIDAY], bars["close"][date(2026, 11, 13)])
    assert href.startswith("/api/history/AAPL?")
    asked = yahoo_http.count("AAPL", "history")

    _, header, notice, _ = draw(services, "AAPL", "1D", now=SATURDAY + timedelta(minutes=5), client="b")
    assert "No 1-minute bars for AAPL" in text_of(notice) and "daily candles" in text_of(notice)
    assert period_return(header) == pct(bars["close"][FRIDAY], bars["close"][date(2026, 11, 19)])
    assert yahoo_http.count("AAPL", "history") == asked  # within ten minutes: not asked again

    yahoo_http.add("AAPL", recording("SYNTHETIC_AAPL_1m_2026-11-16_2026-11-20"))
    figure, _, notice, _ = draw(services, "AAPL", "1D", now=SATURDAY + timedelta(minutes=11))
    assert len(figure["data"][0]["x"]) == 480 and "daily candles" not in text_of(notice)


def test_an_empty_yahoo_answer_says_it_has_no_minute_bars(sqlite_url, yahoo_http):
    """Yahoo's real empty 1m answer (no `timestamp`, `quote: [{}]`): no minutes, not 'did not answer'."""
    yahoo_db(sqlite_url)
    yahoo_http.add("AAPL", recording("AAPL_EMPTY-1m-2025-02-01"))
    figure, _, notice, _ = draw(yahoo_services(sqlite_url), "AAPL", "1D", now=SATURDAY)
    said = text_of(notice)
    assert "No 1-minute bars for AAPL: the price provider has no minute bars for it." in said
    assert "Showing daily candles instead." in said and "did not answer" not in said
    assert figure["data"][0]["type"] == "candlestick" and len(figure["data"][0]["x"]) == 2


class GatedDemo(CountingDemo):
    """Holds each minute-bar ask until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.gate = threading.Event(), threading.Event()

    def fetch_minutes(self, symbol, *, start, end):
        self.asked.set()
        assert self.gate.wait(30)
        return super().fetch_minutes(symbol, start=start, end=end)


def test_a_request_racing_a_fetch_under_way_polls_instead_of_giving_up(sqlite_six):
    """Two requests of one page load (another web process, no queue): the second, finding the
    symbol asked a moment ago and nothing stored, says fetching and polls; then both draw minutes."""
    provider = GatedDemo()
    services = Services(settings_for(sqlite_six), provider_override=provider)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(draw, services, "MSFT", "1D", now=SATURDAY)
        assert provider.asked.wait(30)
        fetching: set[str] = set()
        view = {"symbol": "MSFT", "compare": [], "period": "1D", "start": None, "end": None}
        figure, _, notice, _ = chart(services, view, "candles", [], now=SATURDAY, fetching=fetching)
        assert fetching == {"MSFT"} and "Fetching MSFT's 1-minute bars" in text_of(notice)
        provider.gate.set()
        assert len(first.result(timeout=30)[0]["data"][0]["x"]) == 960
    fetching.clear()
    later = SATURDAY + timedelta(seconds=2)  # the poll
    figure, _, notice, _ = chart(services, view, "candles", [], now=later, fetching=fetching)
    assert not fetching and len(figure["data"][0]["x"]) == 960 and provider.minute_asks == 1


def test_5d_after_thanksgiving_returns_over_five_sessions_though_four_have_minutes(sqlite_url):
    """Thu 3 Dec 2026 03:00: the fetch's whole days start Thu 26 Nov (Thanksgiving), so minutes
    cover Fri 27 (a half day), Mon 30, Tue 1 and Wed 2; the 5D return still runs over five
    sessions, from Tue 24 Nov's close."""
    wednesday = date(2026, 12, 2)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    settings = settings_for(sqlite_url)
    jobs.pull(
        engine, DemoProvider(today=wednesday), settings, symbols=["MSFT"], today=wednesday, progress=False
    )
    engine.dispose()
    provider = CountingDemo()
    services = Services(settings, provider_override=provider)
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    figure, header, notice, _ = draw(services, "MSFT", "5D", now=now)
    x = figure["data"][0]["x"]
    assert x[0] == "2026-11-27 04:00" and x[-1] == "2026-12-02 19:59"
    assert "2026-11-27 16:59" in x and "2026-11-27 17:00" not in x  # the half day's post-market ends at 17:00
    closes = daily(sqlite_url, "MSFT")["close"]
    assert period_return(header) == pct(closes[wednesday], closes[date(2026, 11, 24)])
    draw(services, "MSFT", "5D", now=now + timedelta(minutes=11))
    assert provider.minute_asks == 1  # Wed 25 Nov is past the minutes kept: not missing, not asked again
