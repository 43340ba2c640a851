"""What a visitor meets, in headless Chromium against a real gunicorn: links that reopen any view,
a date range that keeps what was typed, a phone-sized page, visible loading, compare mode."""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import (  # noqa: F401 (fixtures)
    SHOTS,
    _needs_chromium,
    browser,
    full_db,
    offered,
    plotted,
    quote_symbol,
    wait_for,
)
from tests.web.test_browser import site as site  # noqa: F401 (a fixture, used by name)

pytestmark = pytest.mark.browser

SEVEN = "MSFT,NVDA,AMZN,GOOGL,META,TSLA,JPM"


def lines(driver) -> list[str]:
    """Names of the chart's line traces, as Plotly drew them."""
    return driver.execute_script(
        "const el = document.querySelector('#price-chart .js-plotly-plot');"
        "if (!el || !el.data) { return []; }"
        "return el.data.filter(t => t.type === 'scatter').map(t => t.name);"
    )


def box_values(driver, box_id: str) -> list[str]:
    """The symbols a dropdown shows as picked (the text before ' · ' of each shown label)."""
    from selenium.webdriver.common.by import By

    items = driver.find_elements(By.CSS_SELECTOR, f"#{box_id} .dash-dropdown-value-item")
    return [i.text.split(" · ")[0] for i in items if i.text]


def notice_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "chart-notice").text


def open_page(driver, server, path: str) -> None:
    driver.get(server.url + path)
    wait_for(driver, lambda d: plotted(d) is not None, f"{path}: the chart never drew")


@pytest.fixture
def browser_errors(browser):  # noqa: F811 (the imported fixture)
    """The browser, checked after the test for console errors."""
    yield browser
    assert browser.execute_script("return window.__errors") == []


# --- links -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "main", "compared"),
    [
        ("/?symbol=MSFT&compare=HRL,PLD", "MSFT", ["HRL", "PLD"]),  # beyond what the boxes list unsearched
        ("/?symbol=AAPL&compare=CVX", "AAPL", ["CVX"]),
        ("/?symbol=XOM&compare=CVX", "XOM", ["CVX"]),
        ("/?symbol=ZTS&period=6M", "ZTS", []),
    ],
)
def test_a_link_reopens_its_view_with_both_boxes_filled(site, browser_errors, path, main, compared):
    d = browser_errors
    open_page(d, site, path)
    if compared:
        wait_for(d, lambda d: lines(d) == [main, *compared], f"{path}: drew {lines(d)}")
    else:
        wait_for(d, lambda d: (plotted(d) or {}).get("name") == main, f"{path}: drew {plotted(d)}")
    wait_for(d, lambda d: box_values(d, "ticker") == [main], f"ticker box shows {box_values(d, 'ticker')}")
    wait_for(d, lambda d: box_values(d, "compare") == compared, f"compare box: {box_values(d, 'compare')}")
    assert quote_symbol(d) == main
    assert d.current_url == site.url + path  # the link is not rewritten


def test_a_link_names_what_it_cannot_chart(site, browser_errors):
    d = browser_errors
    open_page(d, site, f"/?symbol=AAPL&compare={SEVEN}")
    wait_for(d, lambda d: len(lines(d)) == 6, f"drew {lines(d)}")
    assert "Compare takes up to 5 tickers: TSLA, JPM left out." in notice_text(d)
    assert box_values(d, "compare") == ["MSFT", "NVDA", "AMZN", "GOOGL", "META"]
    d.save_screenshot(str(SHOTS / "20-seven-tickers-link.png"))

    open_page(d, site, "/?symbol=AAPL&compare=CVX,%24%24%24")
    wait_for(d, lambda d: lines(d) == ["AAPL", "CVX"], f"drew {lines(d)}")
    assert "'$$$' is not a valid ticker symbol" in notice_text(d)

    open_page(d, site, "/?symbol=FB")
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == "META", "FB did not open META")
    assert "FB is now META" in notice_text(d)
    assert box_values(d, "ticker") == ["META"]


def test_a_sixth_pick_says_up_to_five(site, browser_errors):
    from selenium.webdriver.common.by import By

    d = browser_errors
    open_page(d, site, "/?symbol=AAPL&compare=MSFT,NVDA,AMZN,GOOGL,META")
    wait_for(d, lambda d: len(lines(d)) == 6, "five compare lines never drew")
    d.find_element(By.CSS_SELECTOR, "#compare").click()
    option = offered(d, "coca", "KO ")
    option.click()
    wait_for(d, lambda d: "up to 5 tickers: KO left out" in notice_text(d), "no 'up to 5' notice")
    d.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape closes the list
    wait_for(
        d, lambda d: box_values(d, "compare") == ["MSFT", "NVDA", "AMZN", "GOOGL", "META"], "box != chart"
    )
    assert len(lines(d)) == 6 and "KO" not in d.current_url


# --- date range --------------------------------------------------------------------------------


def test_a_typed_start_survives_clicking_into_to(site, browser_errors):
    from selenium.webdriver.common.by import By

    d = browser_errors
    open_page(d, site, "/?symbol=MSFT&period=1Y")
    start = d.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-start-date")
    start.click()
    start.send_keys("2 Feb 2026")
    d.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-end-date").click()  # no Enter, no Tab
    wait_for(d, lambda d: "start=2026-02-02" in d.current_url, f"the start was lost: {d.current_url}")
    wait_for(d, lambda d: first_x(d) >= "2026-02-02", f"the chart starts {first_x(d)}")
    end = d.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-end-date")
    end.send_keys("31 Mar 2026")
    d.find_element(By.ID, "quote").click()  # leave the field by clicking elsewhere
    wait_for(d, lambda d: "start=2026-02-02&end=2026-03-31" in d.current_url, f"URL: {d.current_url}")
    wait_for(d, lambda d: last_x(d) <= "2026-03-31" and first_x(d) >= "2026-02-02", "chart not in the range")
    assert "range return" in d.find_element(By.ID, "quote").text.lower()
    d.save_screenshot(str(SHOTS / "21-typed-date-range.png"))


def first_x(driver) -> str:
    return driver.execute_script(
        "const el = document.querySelector('#price-chart .js-plotly-plot');"
        "return (el && el.data && el.data[0] && el.data[0].x[0]) || '';"
    )


def last_x(driver) -> str:
    return driver.execute_script(
        "const el = document.querySelector('#price-chart .js-plotly-plot');"
        "if (!el || !el.data || !el.data[0]) { return ''; } const x = el.data[0].x; return x[x.length - 1];"
    )


# --- phones ------------------------------------------------------------------------------------


def visible_headers(driver, grid_id: str) -> list[str]:
    """Column headers of a grid lying fully inside the viewport."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(h => {"
        " const r = h.getBoundingClientRect(); return r.width > 0 && r.left >= 0"
        " && r.right <= window.innerWidth; }).map(h => h.innerText.trim());",
        f"#{grid_id} .ag-header-cell",
    )


@pytest.mark.parametrize(("width", "height"), [(390, 844), (360, 740)])
def test_a_phone_gets_the_whole_page_without_sideways_scroll(site, browser, width, height):  # noqa: F811
    d = browser
    d.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        open_page(d, site, "/?symbol=AAPL&compare=MSFT")
        wait_for(d, lambda d: len(visible_headers(d, "gainers")) >= 3, "the movers tables never showed")
        size = d.execute_script(
            "return {doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
            " vw: window.innerWidth,"
            " chart: document.querySelector('#price-chart').getBoundingClientRect().width}"
        )
        assert size["vw"] == width
        assert size["doc"] <= width and size["body"] <= width, size  # no sideways scroll
        assert size["chart"] >= width - 50, size  # the chart takes the width
        for grid in ("gainers", "losers"):
            assert visible_headers(d, grid) == ["Symbol", "Close", "% Change"]
        widest = d.execute_script(
            "const els = document.querySelectorAll('.topbar, .card, .controls, .segmented, .dates');"
            "return Math.max(...[...els].map(e => e.getBoundingClientRect().right));"
        )
        assert widest <= width, widest  # the top bar and every control wrap inside the screen
        d.save_screenshot(str(SHOTS / f"30-phone-{width}-top.png"))
        d.execute_script("document.querySelector('#movers-body').scrollIntoView()")
        d.save_screenshot(str(SHOTS / f"31-phone-{width}-movers.png"))
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_keyboard_focus_is_visible_on_the_button_groups(site, browser_errors):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser_errors
    open_page(d, site, "/?symbol=AAPL")
    d.execute_script("arguments[0].focus()", d.find_element(By.CSS_SELECTOR, "#period input:checked"))
    # Tab out and Shift+Tab back: focus the browser knows came from the keyboard.
    ActionChains(d).send_keys(Keys.TAB).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    focused = d.execute_script(
        "const a = document.activeElement; const label = a.closest('label');"
        "const style = label && getComputedStyle(label);"
        "return {value: a.value, group: a.closest('.segmented') && a.closest('.segmented').id,"
        " outline: style && style.outlineStyle, width: style && style.outlineWidth};"
    )
    assert focused["group"] == "period", focused
    assert focused["outline"] == "solid" and focused["width"] == "2px", focused
    d.save_screenshot(str(SHOTS / "23-keyboard-focus.png"))


# --- loading and compare -----------------------------------------------------------------------


@pytest.fixture
def slow_network(browser):  # noqa: F811
    """Every request from the page takes 1.5 s more: long enough to see what loading looks like."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 1500, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    yield browser
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def button(driver, group: str, value: str):
    """The label of a segmented button (its radio input takes no room to click)."""
    from selenium.webdriver.common.by import By

    radio = driver.find_element(By.CSS_SELECTOR, f"#{group} input[value='{value}']")
    return radio.find_element(By.XPATH, "ancestor::label")


def dimmed(driver, inner_id: str) -> dict:
    """Whether dcc.Loading dims the element (opacity below 1) and whether it still holds content."""
    return driver.execute_script(
        "const el = document.getElementById(arguments[0]); if (!el) { return null; }"
        "let o = 1;"
        "for (let e = el; e; e = e.parentElement) { o *= parseFloat(getComputedStyle(e).opacity); }"
        "const r = el.getBoundingClientRect();"
        "return {opacity: o, height: r.height, visible: getComputedStyle(el).visibility === 'visible'};",
        inner_id,
    )


def test_slow_answers_dim_the_old_chart_and_tables_never_blank_them(site, browser, slow_network):  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/?symbol=AAPL&period=1Y")
    # First load: the movers card shows a skeleton, never an empty card, until its tables arrive.
    wait_for(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#movers-body .skeleton-row"), "no skeleton")
    wait_for(d, lambda d: plotted(d) is not None, "the chart never drew")
    wait_for(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#gainers .ag-row"), "the movers never came")

    before = plotted(d)["n"]
    button(d, "period", "5Y").click()
    wait_for(d, lambda d: (dimmed(d, "price-chart") or {}).get("opacity", 1) < 0.6, "the chart never dimmed")
    state = dimmed(d, "price-chart")
    assert state["visible"] and state["height"] > 400  # the previous chart is still there
    assert plotted(d)["n"] == before
    d.save_screenshot(str(SHOTS / "40-slow-chart-dimmed.png"))
    wait_for(d, lambda d: (plotted(d) or {}).get("n", 0) > before, "the 5Y chart never came")
    wait_for(d, lambda d: dimmed(d, "price-chart")["opacity"] == 1, "the chart stayed dimmed")

    label = d.find_element(By.ID, "movers-as-of").text
    assert "vs previous close" in label
    button(d, "movers-horizon", "1m").click()
    # Until the new horizon's tables come, the old ones are dimmed (a stale table never looks current).
    wait_for(d, lambda d: (dimmed(d, "movers-body") or {}).get("opacity", 1) < 0.6, "old tables not dimmed")
    assert d.find_element(By.ID, "movers-as-of").text == label
    d.save_screenshot(str(SHOTS / "41-slow-movers-dimmed.png"))
    wait_for(d, lambda d: "over 1 month" in d.find_element(By.ID, "movers-as-of").text, "1 month never came")
    wait_for(d, lambda d: dimmed(d, "movers-body")["opacity"] == 1, "the tables stayed dimmed")


def test_compare_mode_turns_off_single_ticker_controls_and_downloads_every_ticker(site, browser_errors):
    from selenium.webdriver.common.by import By

    d = browser_errors
    open_page(d, site, "/?symbol=AAPL&period=3M")
    assert not d.find_elements(By.CSS_SELECTOR, "#overlays input:disabled, #chart-type input:disabled")
    href = d.find_element(By.ID, "download-csv").get_attribute("href")
    assert re.search(r"/api/history/AAPL\?format=csv&start=", href)

    open_page(d, site, "/?symbol=AAPL&period=3M&compare=MSFT,SPY")
    wait_for(d, lambda d: lines(d) == ["AAPL", "MSFT", "SPY"], "compare lines never drew")
    disabled = d.find_elements(By.CSS_SELECTOR, "#overlays input:disabled, #chart-type input:disabled")
    assert len(disabled) == 7  # five overlays, two chart types
    assert "apply to one ticker" in d.find_element(By.ID, "compare-hint").text
    href = d.find_element(By.ID, "download-csv").get_attribute("href")
    assert "/api/history?symbols=AAPL,MSFT,SPY&format=csv&start=" in href
    body = d.execute_script(
        "return fetch(arguments[0]).then(r => r.text())", href
    )  # what the button downloads
    assert body.splitlines()[0].startswith("symbol,date,") and {"AAPL", "MSFT", "SPY"} <= {
        row.split(",")[0] for row in body.splitlines()[1:]
    }
    d.save_screenshot(str(SHOTS / "22-compare-mode.png"))

    d.get(site.url + "/?symbol=%24%24%24")
    wait_for(d, lambda d: "not a valid ticker" in notice_text(d), "no message")
    assert d.find_element(By.ID, "download-csv").get_attribute("href") is None  # nothing to download
