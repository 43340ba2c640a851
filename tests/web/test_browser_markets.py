"""The markets strip and market search in headless Chromium against a real gunicorn, desktop and phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockdash.web.markets.layout import SYMBOLS
from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.conftest import SMALL, fill
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    SHOTS,
    _needs_chromium,
    browser,
    offered,
    plotted,
    quote_symbol,
    wait_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def markets_site(tmp_path_factory):
    """A demo database with a few shares, the strip's ten markets and what 'gold' may mean."""
    path: Path = tmp_path_factory.mktemp("marketsdb") / "demo.db"
    fill(f"sqlite:///{path}", SMALL + SYMBOLS + ["ETH-USD", "GLD", "GS"])
    srv = start_gunicorn(f"sqlite:///{path}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)


def strip_items(driver) -> list[dict]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#markets-strip .mkt')].map(a => {"
        " const r = a.getBoundingClientRect();"
        " return {text: a.innerText.replace(/\\s+/g, ' '), href: a.getAttribute('href'),"
        " top: r.top, bottom: r.bottom, right: r.right}; });"
    )


def test_the_strip_shows_each_market_and_charts_it_on_a_click(markets_site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    d.get(markets_site.url + "/")
    wait_for(d, lambda d: plotted(d) is not None, "the default chart never drew")
    items = strip_items(d)
    assert [i["text"].split(" ")[0] for i in items][:3] == ["S&P", "Nasdaq", "Dow"] and len(items) == 10
    assert all(i["text"].split(" ")[-1] != "–" for i in items), items  # every market has a change
    assert len({round(i["top"]) for i in items}) == 1 and items[0]["bottom"] < 110  # one row, at the top
    if d.execute_script("return window.innerWidth") >= 1440:
        assert items[-1]["right"] <= d.execute_script("return document.documentElement.clientWidth")
    by_label = {i["text"].rsplit(" ", 2)[0]: i["text"].rsplit(" ", 2)[1] for i in items}
    assert 10_000 < float(by_label["Bitcoin"].replace(",", "")) < 200_000
    assert 0.9 < float(by_label["EUR/USD"]) < 1.4 and by_label["US 10Y"].endswith("%")
    d.save_screenshot(str(SHOTS / "50-markets-strip-desktop.png"))

    d.find_element(By.CSS_SELECTOR, "#markets-strip .mkt[href*='BTC-USD']").click()
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == "BTC-USD", "clicking Bitcoin never charted it")
    wait_for(d, lambda d: quote_symbol(d) == "BTC-USD", "the header did not follow the click")
    assert "symbol=BTC-USD" in d.current_url
    assert "Bitcoin" in d.find_element(By.ID, "quote").text
    d.save_screenshot(str(SHOTS / "51-bitcoin-charted-from-the-strip.png"))
    assert d.execute_script("return window.__errors") == []


@pytest.mark.parametrize(
    ("typed", "symbol"),
    [("bitcoin", "BTC-USD"), ("gold", "GC=F"), ("s&p 500", "^GSPC"), ("euro", "EURUSD=X")],
)
def test_markets_are_found_by_name_and_charted(markets_site, browser, typed, symbol):  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    d.get(markets_site.url + "/")
    wait_for(d, lambda d: plotted(d) is not None, "the default chart never drew")
    d.find_element(By.ID, "ticker").click()
    option = offered(d, typed, f"{symbol} · ")
    # The dropdown's options (tabs and period buttons are options too): "SYMBOL · name" each.
    labels = [o.text for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if " · " in o.text]
    assert labels[0].startswith(f"{symbol} · "), labels
    assert not [label for label in labels if "chart this ticker" in label], labels
    if typed == "gold":
        d.save_screenshot(str(SHOTS / "52-search-gold.png"))
        found = [label.split(" · ")[0] for label in labels]
        assert found.index("GLD") < found.index("GS")
    option.click()
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == symbol, f"{symbol} was never charted")
    assert d.execute_script("return window.__errors") == []


def test_the_strip_on_a_phone_is_one_row_that_scrolls_inside_itself(markets_site, browser):  # noqa: F811
    d = browser
    phone = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        d.get(markets_site.url + "/?symbol=EURUSD%3DX")
        wait_for(d, lambda d: (plotted(d) or {}).get("name") == "EURUSD=X", "EUR/USD was never charted")
        items = strip_items(d)
        assert len(items) == 10 and len({round(i["top"]) for i in items}) == 1
        size = d.execute_script(
            "const s = document.getElementById('markets-strip');"
            "return {doc: document.documentElement.scrollWidth, strip: s.getBoundingClientRect(),"
            " inner: s.scrollWidth};"
        )
        assert size["doc"] <= 390 and size["strip"]["right"] <= 390  # the page never scrolls sideways
        assert size["inner"] > 390 and size["strip"]["height"] < 40  # the strip does, in one short row
        d.save_screenshot(str(SHOTS / "53-markets-strip-phone.png"))
        d.execute_script("document.getElementById('markets-strip').scrollLeft = 10000")
        d.save_screenshot(str(SHOTS / "54-markets-strip-phone-scrolled.png"))
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert d.execute_script("return window.__errors") == []


def test_a_favicon_and_no_ag_grid_warning_on_load(markets_site, browser):  # noqa: F811
    import requests
    from selenium.webdriver.common.by import By

    icon = requests.get(markets_site.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00" and len(icon.content) > 100  # an ICO file

    d = browser
    d.execute_cdp_cmd(  # keep console warnings too (AG Grid warns, it does not error)
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__warnings = []; const _w = console.warn;"
            " console.warn = function(...a) { window.__warnings.push(a.map(String).join(' '));"
            " _w.apply(console, a); };"
        },
    )
    d.get(markets_site.url + "/")
    wait_for(
        d,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#live-watch-grid .ag-center-cols-container .ag-row")) > 3
        ),
        "the watchlist never showed its rows",
    )
    wait_for(d, lambda d: plotted(d) is not None, "the default chart never drew")
    assert d.execute_script("return window.__warnings") == []
    assert d.execute_script("return window.__errors") == []


def test_an_unknown_ticker_is_explained_once_and_the_box_stops_offering_it(markets_site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    d.get(markets_site.url + "/")
    wait_for(d, lambda d: plotted(d) is not None, "the default chart never drew")
    d.find_element(By.ID, "ticker").click()
    offered(d, "zzzz", "ZZZZ · chart this ticker").click()
    reason = "unknown symbol: demo data covers the shipped universe only"
    wait_for(d, lambda d: reason in d.find_element(By.ID, "chart-notice").text, "no reason given")
    wait_for(
        d,
        lambda d: "Nothing to chart" in d.find_element(By.CSS_SELECTOR, "#price-chart").text,
        "the chart never pointed to the reason",
    )
    page_text = d.find_element(By.TAG_NAME, "body").text
    assert page_text.count(reason) == 1 and "))" not in page_text
    box = d.find_element(By.ID, "ticker").text
    assert "ZZZZ" in box and "chart this ticker" not in box
    d.save_screenshot(str(SHOTS / "55-unknown-ticker-once.png"))
    assert d.execute_script("return window.__errors") == []
