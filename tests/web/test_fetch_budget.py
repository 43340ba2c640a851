"""The provider budget as a visitor sees it: the chart callback as a plain function, then many clients
against a real two-worker gunicorn."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import requests
from sqlalchemy import select

from stockdash import reads
from stockdash.db import make_engine
from stockdash.fetchbudget import UNKNOWN
from stockdash.providers.demo import DemoProvider
from stockdash.schema import daily_bars, provider_asks
from stockdash.universe import catalogue
from stockdash.web.chart import callbacks as chart_callbacks
from tests.harness import chart_payload, start_gunicorn, stop_gunicorn
from tests.web.conftest import SMALL, services_for
from tests.web.test_callbacks import UnknownProvider, stored, text_of, trace

BUSY_TEXT = "too many new tickers are being fetched right now; try again in a minute"


class CountingDemo(DemoProvider):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch_daily(self, symbols, **kw):
        self.asked.extend(symbols)
        return super().fetch_daily(symbols, **kw)


def chart(services, symbol: str, client: str, compare: list[str] | None = None):
    view = {"symbol": symbol, "period": "1M", "compare": compare or []}
    return chart_callbacks.chart(services, view, "candles", [], client=client)


def test_over_budget_shows_stored_bars_and_says_to_try_again(filled_url, monkeypatch):
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)  # as if a week had passed
    provider = CountingDemo()
    services = services_for(filled_url, provider=provider, provider_fetches_per_minute=2)
    chart(services, "AAPL", "10.0.0.1", compare=["SPY"])  # the minute's two asks
    figure, _, notice, _ = chart(services, "MSFT", "10.0.0.2")
    assert sorted(provider.asked) == ["AAPL", "SPY"]  # asked in parallel: either order
    candles = trace(figure, "candlestick")
    assert len(candles["x"]) > 15  # the stored bars
    last = stored(filled_url, "MSFT")["date"].iloc[-1]
    assert text_of(notice) == f"Showing stored prices as of {last:%d %b %Y} — {BUSY_TEXT}."


def test_over_budget_for_one_client_only(filled_url, monkeypatch):
    monkeypatch.setattr(reads, "is_stale", lambda last, **_: True)
    provider = CountingDemo()
    services = services_for(filled_url, provider=provider, provider_fetches_per_client=1)
    chart(services, "AAPL", "10.0.0.1")
    _, _, notice, _ = chart(services, "MSFT", "10.0.0.1")
    assert BUSY_TEXT in text_of(notice)
    _, _, notice, _ = chart(services, "MSFT", "10.0.0.2")  # someone else still gets fresh prices
    assert provider.asked == ["AAPL", "MSFT"] and BUSY_TEXT not in text_of(notice)


def test_over_budget_with_nothing_stored_says_so_plainly(filled_url):
    provider = CountingDemo()
    services = services_for(filled_url, provider=provider, provider_fetches_per_minute=1)
    chart(services, "KO", "10.0.0.1")
    figure, _, notice, _ = chart(services, "F", "10.0.0.1")
    assert provider.asked == ["KO"]
    assert figure["data"] == []
    assert text_of(notice) == f"No prices for F: {BUSY_TEXT}."
    assert figure["layout"]["annotations"][0]["text"] == chart_callbacks.NOTHING_TO_CHART  # reason: notice


def test_a_made_up_ticker_is_asked_once_then_called_unknown(filled_url):
    calls = []

    class Counting(UnknownProvider):
        def fetch_daily(self, symbols, **kw):
            calls.append(symbols)
            return super().fetch_daily(symbols, **kw)

    services = services_for(filled_url, provider=Counting())
    _, _, first, _ = chart(services, "ZZZQ", "10.0.0.1")
    assert "No prices for ZZZQ: the provider has no prices for ZZZQ" in text_of(first)
    for client in ("10.0.0.1", "10.0.0.2"):  # any visitor, any worker: the database remembers
        figure, _, notice, _ = chart(services, "ZZZQ", client)
        assert figure["data"] == []
        assert text_of(notice) == f"No prices for ZZZQ: {UNKNOWN}."
    assert calls == [["ZZZQ"]]


def max_in_any_minute(times: list[datetime]) -> int:
    times = sorted(times)
    return max((sum(t <= s < t + timedelta(minutes=1) for s in times) for t in times), default=0)


def symbols_per_client() -> dict[str, list[str]]:
    """20 clients × 10 symbols the database has never seen: 7 real and 3 made up each, interleaved."""
    real = iter(s for s in catalogue().index if s not in SMALL and s.isalpha())
    made_up = iter(f"ZQX{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(60))
    wanted = {}
    for c in range(20):
        fake_at = {0, 4, 8} if c % 2 == 0 else {2, 6, 9}
        wanted[f"198.51.100.{c + 1}"] = [next(made_up) if i in fake_at else next(real) for i in range(10)]
    return wanted


def test_many_clients_two_workers_stay_within_the_budget(filled_url, tmp_path):
    """Everyone at once against 2 gunicorn workers: at most the minute's budget reaches the provider."""
    clients = symbols_per_client()
    made_up = {s for ss in clients.values() for s in ss if s.startswith("ZQX")}
    server = start_gunicorn(
        filled_url,
        tmp_path / "gunicorn.log",
        PROVIDER_FETCHES_PER_MINUTE="30",
        PROVIDER_FETCHES_PER_CLIENT="5",
        HISTORY_YEARS="2",
    )

    def visit(client: str, symbol: str) -> tuple[str, str, int, str]:
        resp = requests.post(
            server.url + "/_dash-update-component",
            json=chart_payload(symbol, "1M"),
            headers={"X-Forwarded-For": f"6.6.6.6, {client}"},  # the first hop is the client's lie
            timeout=30,
        )
        return client, symbol, resp.status_code, resp.text

    rounds = [(c, ss[i]) for i in range(10) for c, ss in clients.items()]
    try:
        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = list(pool.map(lambda cs: visit(*cs), rounds))
        engine = make_engine(filled_url)
        deadline = time.monotonic() + 20
        while True:  # fetches cut off by the chart's time budget finish in the background
            with engine.connect() as conn:
                asks = conn.execute(select(provider_asks)).all()
                with_bars = set(conn.execute(select(daily_bars.c.symbol).distinct()).scalars()) - set(SMALL)
            granted_made_up = {a.symbol for a in asks if a.symbol in made_up}
            settled = with_bars == {a.symbol for a in asks} - granted_made_up and all(
                a.unknown_until is not None for a in asks if a.symbol in granted_made_up
            )
            if settled or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        engine.dispose()
        # A made-up ticker found unknown through one worker is unknown to every worker and visitor.
        again = [visit(f"203.0.113.{i}", s) for i, s in enumerate(sorted(granted_made_up)[:4])]
    finally:
        stop_gunicorn(server)
    assert [a[2] for a in answers + again] == [200] * (200 + len(again)), server.output()[-3000:]
    asked = {a.symbol for a in asks}
    assert asked <= {s for ss in clients.values() for s in ss}
    assert max_in_any_minute([a.asked_at for a in asks]) <= 30
    assert len(asks) == 30  # the whole burst takes seconds: the minute's budget, all of it
    assert all(a.asks == 1 for a in asks)  # each symbol asked once, whichever worker took the request
    assert with_bars == asked - granted_made_up  # nothing fetched without a grant
    assert granted_made_up and all(a.unknown_until is not None for a in asks if a.symbol in made_up)
    assert all("does not know this ticker" in text for *_, text in again)
    per_client = Counter(a.client for a in asks)
    assert set(per_client) <= set(clients) and max(per_client.values()) <= 5
    refused = [a for a in answers if a[1] not in asked]
    assert len(refused) == 200 - 30
    assert all(BUSY_TEXT in text for *_, text in refused)
    assert "Traceback" not in server.output()
