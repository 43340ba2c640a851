"""The live section in headless Chromium against a real gunicorn, with the demo stream running.

A `LiveIngest` in the test process walks the demo prices into the same SQLite file gunicorn
reads, a frame per symbol a second, as `worker.py stream` does. Earlier minutes of today are
written first through the same writer, from the same deterministic walk, so the chart has a day.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from stockdash.calendar import NEW_YORK
from stockdash.db import make_engine
from stockdash.live.demo import DemoFeed
from stockdash.live.service import LiveIngest
from stockdash.live.writer import Writer
from stockdash.schema import live_quotes
from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.conftest import demo_settings, fill
from tests.web.test_browser import SHOTS, browser, wait_for  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

WATCH = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "SPY", "QQQ", "DIA", "IWM"]
LONG = 90  # seconds: a wait that spans a minute boundary (the chart's next bar)


def seed_today(engine, symbols: list[str], now: datetime) -> None:
    """Today's minutes up to now, one quote every 20 s of the demo walk (what a stream would have written)."""
    start = max(datetime.combine(now.astimezone(NEW_YORK).date(), datetime.min.time(), NEW_YORK), now - timedelta(hours=10))
    writer = Writer(engine)
    with engine.connect() as conn:
        feed = DemoFeed.from_database(conn, symbols)
    moment = start.astimezone(UTC)
    while moment < now - timedelta(seconds=20):
        for symbol in symbols:
            writer.put(feed.quote(symbol, moment))
        moment += timedelta(seconds=20)
    writer.flush()


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    path = tmp_path_factory.mktemp("livedb") / "live.db"
    url = f"sqlite:///{path}"
    fill(url, WATCH)
    engine = make_engine(url)
    seed_today(engine, WATCH, datetime.now(UTC))
    ingest = LiveIngest(engine, demo_settings(url), source="demo", symbols=WATCH, ignore_hours=True)
    ingest.start()
    srv = start_gunicorn(url, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log", WATCHLIST=",".join(WATCH))
    yield srv, engine
    stop_gunicorn(srv)
    ingest.stop()
    engine.dispose()


COUNT_TICKS = """
window.__ticks = 0;
const _fetch = window.fetch;
window.fetch = function (url, opts) {
  if (String(url).includes('_dash-update-component') && opts && String(opts.body).includes('"live-tick.n_intervals"')) {
    window.__ticks += 1;
  }
  return _fetch.apply(this, arguments);
};
"""


def latest_quote_time(engine) -> datetime:
    with engine.connect() as conn:
        return conn.execute(select(func.max(live_quotes.c.time))).scalar_one()


def live_trace(d) -> dict | None:
    return d.execute_script(
        """
        const el = document.querySelector('#live-chart .js-plotly-plot');
        if (!el || !el.data || el.data.length < 2) { return null; }
        const t = el.data[0], m = el.data[1];
        return {name: t.name, n: t.x.length, lastX: t.x[t.x.length - 1], lastY: t.y ? t.y[t.y.length - 1] : t.close[t.close.length - 1],
                markerX: m.x[0], markerY: m.y[0]};
        """
    )


def cell(d, symbol: str, col: str) -> str:
    return d.execute_script(
        f"const c = document.querySelector('#live-watch-grid .ag-center-cols-container [row-id=\"{symbol}\"] [col-id=\"{col}\"]');"
        "return c ? c.textContent : null;"
    )


def test_live_section_moves_on_its_own(live_site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    srv, engine = live_site
    d = browser
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_TICKS})
    d.get(srv.url + "/")
    d.execute_script("window.localStorage.clear()")
    d.get(srv.url + "/")

    # The table fills with every watchlist symbol and a price; the status line and demo label show.
    wait_for(d, lambda d: all((cell(d, s, "price") or "–") != "–" for s in WATCH), "the watchlist never filled")
    assert "Demo stream" in d.find_element(By.ID, "live-demo").text
    assert d.find_element(By.ID, "live-market").text.startswith(("Market", "Pre-market", "Post-market"))

    # The table updates in place: the same row element shows a new price, and the cell flashes.
    d.execute_script(
        "window.__row = document.querySelector('#live-watch-grid .ag-center-cols-container [row-id=\"AAPL\"]');"
        "window.__flashes = 0; new MutationObserver(ms => ms.forEach(m => {"
        " if (m.target.classList && m.target.classList.contains('ag-cell-data-changed')) { window.__flashes += 1; } }))"
        ".observe(document.getElementById('live-watch-grid'), {subtree: true, attributes: true, attributeFilter: ['class']});"
    )
    first = cell(d, "AAPL", "price")
    wait_for(d, lambda d: cell(d, "AAPL", "price") not in (first, None), "AAPL's price never changed")
    assert d.execute_script("return window.__row.isConnected")
    wait_for(d, lambda d: d.execute_script("return window.__flashes") > 0, "a changed price never flashed")

    # The live chart (AAPL, first in the list) draws today's minutes and the latest quote.
    start = wait_for(d, lambda d: (live_trace(d) or {}).get("n", 0) > 0 and live_trace(d), "the live chart never drew")
    assert start["name"] == "AAPL"
    d.execute_script("window.scrollTo(0, document.getElementById('live-watch-grid').getBoundingClientRect().top + window.scrollY - 80)")
    d.save_screenshot(str(SHOTS / "live-01-desktop.png"))

    # An alert set to fire (AAPL above a level below its price) shows its toast exactly once.
    d.execute_script(
        "window.__toasts = 0; new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {"
        " if (n.classList && n.classList.contains('toast')) { window.__toasts += 1; } })))"
        ".observe(document.getElementById('live-toasts'), {childList: true});"
    )
    price = float(cell(d, "AAPL", "price").replace(",", ""))
    box = d.find_element(By.ID, "live-rule-value")
    box.send_keys(f"{price * 0.5:.2f}")
    d.find_element(By.ID, "live-rule-add").click()
    wait_for(d, lambda d: "AAPL crosses above" in d.find_element(By.ID, "live-rule-list").text, "rule not listed")
    wait_for(d, lambda d: d.execute_script("return window.__toasts") == 1, "the alert's toast never showed")
    d.save_screenshot(str(SHOTS / "live-02-toast.png"))
    ticks = d.execute_script("return window.__ticks")
    wait_for(d, lambda d: d.execute_script("return window.__ticks") >= ticks + 4, "the refresh stopped")
    assert d.execute_script("return window.__toasts") == 1
    assert len(d.find_elements(By.CSS_SELECTOR, "#live-fired-list li")) == 1
    assert "AAPL crosses above" in d.find_element(By.ID, "live-fired-list").text

    # A hidden tab stops asking; shown again, it asks again and catches up.
    d.execute_script(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    hidden_at = d.execute_script("return window.__ticks")
    seen = latest_quote_time(engine)
    wait_for(d, lambda d: latest_quote_time(engine) >= seen + timedelta(seconds=7), "the stream stopped")
    assert d.execute_script("return window.__ticks") <= hidden_at + 1  # one already on its way at most
    quiet = d.execute_script("return window.__ticks")
    seen = latest_quote_time(engine)
    wait_for(d, lambda d: latest_quote_time(engine) >= seen + timedelta(seconds=5), "the stream stopped")
    assert d.execute_script("return window.__ticks") == quiet
    shown_at = latest_quote_time(engine)
    d.execute_script(
        "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));"
    )
    wait_for(d, lambda d: d.execute_script("return window.__ticks") > quiet, "a shown tab never asked again")

    def caught_up(d):
        t = live_trace(d) or {}
        marker = t.get("markerX") or ""
        return marker >= shown_at.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")

    wait_for(d, caught_up, "the chart never caught up after the tab was shown")

    # The chart grows without a reload: a new minute bar is appended (wait for the next minute).
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(d, LONG, poll_frequency=0.2).until(
        lambda d: (live_trace(d) or {}).get("n", 0) > start["n"], "the live chart never grew"
    )
    grown = live_trace(d)
    assert grown["lastX"] > start["lastX"]
    assert d.execute_script("return window.__toasts") == 1
    assert d.execute_script("return window.__errors") == []


def test_live_section_on_a_phone(live_site, browser):  # noqa: F811
    srv, _ = live_site
    d = browser
    d.set_window_size(390, 844)
    try:
        d.get(srv.url + "/")
        wait_for(d, lambda d: (cell(d, "MSFT", "price") or "–") != "–", "the watchlist never filled")
        wait_for(d, lambda d: live_trace(d) is not None, "the live chart never drew")
        d.execute_script("document.getElementById('live-watch-grid').scrollIntoView()")
        time.sleep(0)  # the scroll is synchronous
        d.save_screenshot(str(SHOTS / "live-03-phone.png"))
    finally:
        d.set_window_size(1440, 1900)
