"""The live section in headless Chromium against a real gunicorn, with the demo stream running.

A `LiveIngest` in the test process walks the demo prices into the same SQLite file gunicorn
reads, a frame per symbol a second, as `worker.py stream` does. Earlier minutes of today are
written first through the same writer, from the same deterministic walk, so the chart has a day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from stockdash.calendar import NEW_YORK
from stockdash.db import make_engine
from stockdash.live.demo_walk import DemoFeed
from stockdash.live.service import LiveIngest
from stockdash.live.writer import Writer
from stockdash.schema import live_quotes
from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.conftest import demo_settings, fill
from tests.web.test_browser import SHOTS, browser, offered, wait_for  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

WATCH = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "SPY", "QQQ", "DIA", "IWM"]
LONG = 90  # seconds: a wait that spans a minute boundary (the chart's next bar)


def seed_today(engine, symbols: list[str], now: datetime) -> None:
    """Today's minutes up to now, one quote every 20 s of the demo walk (what a stream would have written)."""
    start = max(
        datetime.combine(now.astimezone(NEW_YORK).date(), datetime.min.time(), NEW_YORK),
        now - timedelta(hours=10),
    )
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
  const body = String((opts && opts.body) || '');
  if (String(url).includes('_dash-update-component') && body.includes('"live-tick.n_intervals"')) {
    window.__ticks += 1;
  }
  return _fetch.apply(this, arguments);
};
"""

FLASHES = """
window.__row = document.querySelector('#live-watch-grid .ag-center-cols-container [row-id="AAPL"]');
window.__flashes = 0;
new MutationObserver(ms => ms.forEach(m => {
  if (m.target.classList && m.target.classList.contains('ag-cell-data-changed')) { window.__flashes += 1; }
})).observe(
  document.getElementById('live-watch-grid'), {subtree: true, attributes: true, attributeFilter: ['class']}
);
"""

TOASTS = """
window.__toasts = 0;
new MutationObserver(ms => ms.forEach(m => m.addedNodes.forEach(n => {
  if (n.classList && n.classList.contains('toast')) { window.__toasts += 1; }
}))).observe(document.getElementById('live-toasts'), {childList: true});
"""

LIVE_TRACE = """
const el = document.querySelector('#live-chart .js-plotly-plot');
if (!el || !el.data || el.data.length < 2) { return null; }
const t = el.data[0], m = el.data[1];
return {name: t.name, n: t.x.length, lastX: t.x[t.x.length - 1], markerX: m.x[0], markerY: m.y[0]};
"""


# Elements of the live card sticking out of it (AG Grid's and Plotly's insides scroll or clip).
OVERFLOW = """
const card = document.querySelector('.live-title').closest('.card');
const edge = card.getBoundingClientRect().right + 0.5;
return [...card.querySelectorAll('*')]
  .filter(e => !e.closest('.ag-root, .js-plotly-plot') && e.getBoundingClientRect().right > edge)
  .map(e => e.tagName + '#' + e.id + '.' + String(e.className).slice(0, 40));
"""


# Where a watchlist row's symbol, last and % change cells are against the table's box, and whether
# the table would scroll sideways (issue 20: on a phone % change needed a scroll inside the grid).
ROW_CELLS = """
const grid = document.getElementById('live-watch-grid');
const box = grid.querySelector('.ag-root-wrapper').getBoundingClientRect();
const cells = {};
for (const col of ['symbol', 'price', 'pct_change']) {
  const c = grid.querySelector(`[row-id='${arguments[0]}'] [col-id='${col}']`);
  const r = c && c.getBoundingClientRect();
  cells[col] = r && {left: r.left, right: r.right, text: c.textContent,
                     inside: r.width > 24 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5};
}
const centre = grid.querySelector('.ag-center-cols-viewport');
return {cells: cells, sideways: centre.scrollWidth > centre.clientWidth + 1,
        shown: [...grid.querySelectorAll('.ag-header-cell')].map(h => h.getAttribute('col-id'))};
"""


def set_hidden(d, hidden: bool) -> None:
    """What a browser does when the tab goes to the background (or comes back)."""
    d.execute_script(
        "Object.defineProperty(document, 'hidden', {value: arguments[0], configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'));",
        hidden,
    )


def latest_quote_time(engine) -> datetime:
    with engine.connect() as conn:
        return conn.execute(select(func.max(live_quotes.c.time))).scalar_one()


def live_trace(d) -> dict | None:
    return d.execute_script(LIVE_TRACE)


def cell(d, symbol: str, col: str) -> str | None:
    row = f"#live-watch-grid [row-id='{symbol}']"  # the symbol column is pinned: another container
    return d.execute_script(
        f"const c = document.querySelector(\"{row} [col-id='{col}']\"); return c && c.textContent;"
    )


def ticks(d) -> int:
    return d.execute_script("return window.__ticks")


def test_live_section_moves_on_its_own(live_site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    srv, engine = live_site
    d = browser
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_TICKS})
    d.get(srv.url + "/")
    d.execute_script("window.localStorage.clear()")
    d.get(srv.url + "/")

    # The table fills with every watchlist symbol and a price; the status line and demo label show.
    wait_for(
        d, lambda d: all((cell(d, s, "price") or "–") != "–" for s in WATCH), "the watchlist never filled"
    )
    wait_for(d, lambda d: "Demo stream" in d.find_element(By.ID, "live-demo").text, "no demo label")
    assert d.find_element(By.ID, "live-market").text.startswith(("Market", "Pre-market", "Post-market"))

    # The table updates in place: the same row element shows a new price, and the cell flashes.
    d.execute_script(FLASHES)
    first = cell(d, "AAPL", "price")
    wait_for(d, lambda d: cell(d, "AAPL", "price") not in (first, None), "AAPL's price never changed")
    assert d.execute_script("return window.__row.isConnected")
    wait_for(d, lambda d: d.execute_script("return window.__flashes") > 0, "a changed price never flashed")

    # The live chart (AAPL, first in the list) draws today's minutes and the latest quote.
    start = wait_for(
        d, lambda d: (live_trace(d) or {}).get("n", 0) > 0 and live_trace(d), "the live chart never drew"
    )
    assert start["name"] == "AAPL"
    d.execute_script("window.scrollTo(0, document.querySelector('.live-title').offsetTop - 40)")
    d.save_screenshot(str(SHOTS / "live-01-desktop.png"))
    card = d.find_element(By.CSS_SELECTOR, ".live-title").find_element(By.XPATH, "ancestor::section")
    card.screenshot(str(SHOTS / "live-card.png"))  # docs/screenshot-live.png

    # "AAPL crosses above" half its price never fires (the first quote only sets the side: issue 20);
    # an alert set to fire (AAPL's day change beyond a hair) shows its toast exactly once.
    d.execute_script(TOASTS)
    price = float(cell(d, "AAPL", "price").replace(",", ""))
    d.find_element(By.ID, "live-rule-value").send_keys(f"{price * 0.5:.2f}")
    d.find_element(By.ID, "live-rule-add").click()
    rules = d.find_element(By.ID, "live-rule-list")
    wait_for(d, lambda d: "AAPL crosses above" in rules.text, "the rule was not listed")
    d.find_element(By.ID, "live-rule-kind").click()
    offered(d, "day", "day change").click()
    value = d.find_element(By.ID, "live-rule-value")
    value.send_keys(Keys.CONTROL, "a")  # the modifier is held to the end of one send_keys call
    value.send_keys(Keys.BACKSPACE)
    value.send_keys("0.0001")
    d.find_element(By.ID, "live-rule-add").click()
    note = d.find_element(By.ID, "live-rule-note")
    wait_for(d, lambda d: "AAPL day change beyond" in rules.text, f"the day rule was not listed: {note.text}")
    wait_for(d, lambda d: d.execute_script("return window.__toasts") == 1, "the alert's toast never showed")
    d.save_screenshot(str(SHOTS / "live-02-toast.png"))
    then = ticks(d)
    wait_for(d, lambda d: ticks(d) >= then + 4, "the refresh stopped")
    assert d.execute_script("return window.__toasts") == 1
    assert len(d.find_elements(By.CSS_SELECTOR, "#live-fired-list li")) == 1
    assert "AAPL day change beyond" in d.find_element(By.ID, "live-fired-list").text

    # A hidden tab stops asking; shown again, it asks again and catches up.
    set_hidden(d, True)
    hidden_at = ticks(d)
    seen = latest_quote_time(engine)
    wait_for(d, lambda d: latest_quote_time(engine) >= seen + timedelta(seconds=7), "the stream stopped")
    assert ticks(d) <= hidden_at + 1  # one already on its way at most
    quiet = ticks(d)
    seen = latest_quote_time(engine)
    wait_for(d, lambda d: latest_quote_time(engine) >= seen + timedelta(seconds=5), "the stream stopped")
    assert ticks(d) == quiet
    shown_at = latest_quote_time(engine).replace(microsecond=0)
    set_hidden(d, False)
    wait_for(d, lambda d: ticks(d) > quiet, "a shown tab never asked again")
    shown_ny = (
        shown_at.replace(tzinfo=shown_at.tzinfo or UTC).astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")
    )
    wait_for(d, lambda d: (live_trace(d) or {}).get("markerX", "") >= shown_ny, "the chart never caught up")

    # The chart grows without a reload: a new minute bar is appended (wait for the next minute).
    WebDriverWait(d, LONG, poll_frequency=0.2).until(
        lambda d: (live_trace(d) or {}).get("n", 0) > start["n"], "the live chart never grew"
    )
    assert live_trace(d)["lastX"] > start["lastX"]
    assert d.execute_script("return window.__toasts") == 1
    assert d.execute_script("return window.__errors") == []


def test_watchlist_edits_survive_a_reload_and_links_carry_them(live_site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    srv, _ = live_site
    d = browser
    d.get(srv.url + "/")
    d.execute_script("window.localStorage.clear()")
    d.get(srv.url + "/")
    wait_for(d, lambda d: (cell(d, "IWM", "price") or "–") != "–", "the watchlist never filled")

    # Remove IWM with its ✕; add Coca-Cola through the same search as the ticker box.
    d.find_element(By.CSS_SELECTOR, "#live-watch-grid [row-id='IWM'] [col-id='remove']").click()
    wait_for(d, lambda d: cell(d, "IWM", "price") is None, "IWM was not removed")
    assert "watch=AAPL,MSFT" in d.current_url and "IWM" not in d.current_url
    d.find_element(By.ID, "live-watch-add").click()
    option = offered(d, "coca cola", "KO", box="#live-watch-add input, input.dash-dropdown-search")
    option.click()
    wait_for(d, lambda d: cell(d, "KO", "symbol") == "KO", "KO was not added")
    assert "KO" in d.current_url
    assert cell(d, "KO", "time") in ("waiting", "slots full")  # not streamed by this test's ingest

    # A reload without the link's list keeps the browser's; a shared link shows its own.
    d.get(srv.url + "/")
    wait_for(d, lambda d: cell(d, "KO", "symbol") == "KO", "the browser forgot the watchlist")
    assert cell(d, "IWM", "symbol") is None
    d.get(srv.url + "/?watch=MSFT,SPY")
    wait_for(
        d,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#live-watch-grid .ag-center-cols-container .ag-row")) == 2
        ),
        "the link's list was not shown",
    )
    # Clicking a row charts its session.
    d.find_element(
        By.CSS_SELECTOR, "#live-watch-grid .ag-center-cols-container [row-id='SPY'] [col-id='name']"
    ).click()
    wait_for(d, lambda d: (live_trace(d) or {}).get("name") == "SPY", "clicking SPY did not chart it")
    d.find_element(By.XPATH, "//label[normalize-space()='Watchlist % change']").click()
    wait_for(
        d,
        lambda d: (
            d.execute_script(
                "const el = document.querySelector('#live-chart .js-plotly-plot');"
                "return el && el.data ? el.data.map(t => t.name).join(',') : ''"
            )
            == "MSFT,SPY"
        ),
        "the watchlist view never drew",
    )
    assert d.execute_script("return window.__errors") == []


def test_live_section_on_a_phone(live_site, browser):  # noqa: F811
    srv, _ = live_site
    d = browser
    phone = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        d.get(srv.url + "/")
        d.execute_script("window.localStorage.clear()")
        d.get(srv.url + "/")
        wait_for(d, lambda d: (cell(d, "MSFT", "price") or "–") != "–", "the watchlist never filled")
        wait_for(d, lambda d: live_trace(d) is not None, "the live chart never drew")
        # Symbol, last and % change in view, no sideways scroll: the wide-only columns are hidden.
        wait_for(
            d, lambda d: "name" not in d.execute_script(ROW_CELLS, "MSFT")["shown"], "columns never narrowed"
        )

        # The grid fits its columns to the new width a moment after hiding the others.
        def fitted(d):
            seen = d.execute_script(ROW_CELLS, "MSFT")
            return seen if all(c and c["inside"] for c in seen["cells"].values()) else None

        try:
            seen = wait_for(d, fitted, "symbol, last and % change never fitted")
        except Exception:
            raise AssertionError(d.execute_script(ROW_CELLS, "MSFT")) from None
        assert seen["cells"]["pct_change"]["text"].endswith("%") and not seen["sideways"], seen
        assert seen["cells"]["symbol"]["right"] <= seen["cells"]["price"]["left"] + 0.5, seen
        # Nothing in the live card is wider than the card.
        overflow = d.execute_script(OVERFLOW)
        assert overflow == [], overflow
        d.execute_script("window.scrollTo(0, document.querySelector('.live-title').offsetTop - 10)")
        d.save_screenshot(str(SHOTS / "live-03-phone.png"))
        d.execute_script("window.scrollTo(0, document.getElementById('live-chart').offsetTop - 60)")
        d.save_screenshot(str(SHOTS / "live-04-phone-chart.png"))
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
