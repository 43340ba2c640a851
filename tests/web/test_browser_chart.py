"""The analysis chart in headless Chromium against a real gunicorn: a link with RSI, MACD, Bollinger
and weekly candles opens with its panes, on a desktop and on a 390 x 844 phone; the controls
change the chart and the link."""

from __future__ import annotations

import pytest

from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.conftest import fill
from tests.web.test_browser import SHOTS, _needs_chromium, browser, plotted, wait_for  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

LINK = "/?symbol=MSFT&period=5Y&ind=sma50,rsi14,macd,bb20,actions&interval=1wk"


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    path = tmp_path_factory.mktemp("chartdb") / "demo.db"
    fill(f"sqlite:///{path}", ["MSFT", "AAPL", "KO", "SPY"])
    srv = start_gunicorn(f"sqlite:///{path}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)


@pytest.fixture
def page(browser):  # noqa: F811 (the imported fixture)
    yield browser
    assert browser.execute_script("return window.__errors") == []


def drawn(driver) -> dict | None:
    """What Plotly drew: trace names, pane titles, candle dates."""
    return driver.execute_script(
        """
        const el = document.querySelector('#price-chart .js-plotly-plot');
        if (!el || !el.data || !el.data.length || !el._fullLayout) { return null; }
        const c = el.data.find(t => t.type === 'candlestick');
        const panes = Object.keys(el.layout).filter(k => /^yaxis[0-9]+$/.test(k) && k !== 'yaxis2')
            .sort().map(k => (el.layout[k].title || {}).text);
        const boxes = [...document.querySelectorAll('#price-chart .subplot')]
            .map(s => s.getBoundingClientRect().height);
        return {names: el.data.map(t => t.name), panes: panes, x: c ? c.x : [], plots: boxes,
                url: window.location.search};
        """
    )


def open_link(driver, server, path: str) -> dict:
    driver.get(server.url + path)
    wait_for(driver, lambda d: plotted(d) is not None, f"{path}: the chart never drew")
    return drawn(driver)


def weekly(x: list[str]) -> bool:
    from datetime import date

    days = [date.fromisoformat(d[:10]) for d in x]
    return len(days) > 10 and min((b - a).days for a, b in zip(days, days[1:], strict=False)) >= 3


def check_link(driver, server, shot: str) -> None:
    from selenium.webdriver.common.by import By

    got = open_link(driver, server, LINK)
    wait_for(driver, lambda d: drawn(d)["panes"] == ["RSI 14", "MACD"], f"panes never drew: {drawn(driver)}")
    got = drawn(driver)
    assert {"MSFT", "SMA 50", "Bollinger 20", "RSI 14", "MACD", "Signal", "MACD hist"} <= set(got["names"])
    assert weekly(got["x"]) and 100 <= len(got["x"]) <= 110  # the two stored years, in weeks
    assert len(got["plots"]) >= 4 and min(got["plots"]) > 40  # price, volume, RSI, MACD, each visible
    picked = [i.text for i in driver.find_elements(By.CSS_SELECTOR, "#indicators .dash-dropdown-value-item")]
    assert {"RSI 14", "MACD 12/26/9", "Bollinger 20, 2σ"} <= set(picked), picked
    week = driver.find_element(By.XPATH, "//div[@id='interval']//label[normalize-space()='Week']//input")
    assert week.is_selected()
    driver.execute_script("document.getElementById('interval').scrollIntoView()")
    driver.save_screenshot(str(SHOTS / shot))


def test_a_link_with_rsi_macd_bollinger_and_weekly_candles_on_a_desktop(small_site, page):
    page.set_window_size(1366, 1400)
    check_link(page, small_site, "40-chart-indicators-desktop.png")


def test_the_same_link_on_a_phone(small_site, page):
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        check_link(page, small_site, "41-chart-indicators-phone-390.png")
        width = page.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # the menu and the buttons wrap inside the screen
        # A long period without a chosen interval: weekly candles on a phone.
        open_link(page, small_site, "/?symbol=KO&period=Max")
        wait_for(page, lambda d: weekly(drawn(d)["x"]), "a phone's Max never turned weekly")
        assert "interval" not in drawn(page)["url"]
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_controls_change_the_chart_and_the_link(small_site, page):
    from selenium.webdriver.common.by import By

    page.set_window_size(1366, 1400)
    open_link(page, small_site, "/?symbol=AAPL&period=1Y")
    page.find_element(By.XPATH, "//div[@id='interval']//label[normalize-space()='Month']").click()
    wait_for(page, lambda d: "interval=1mo" in drawn(d)["url"], "the link never said monthly")
    wait_for(page, lambda d: 11 <= len(drawn(d)["x"]) <= 13, "monthly candles never drew")
    page.find_element(By.XPATH, "//div[@id='basis']//label[normalize-space()='Total return']").click()
    wait_for(page, lambda d: "basis=tr" in drawn(d)["url"], "the link never said total return")
    page.find_element(By.CSS_SELECTOR, "#indicators").click()
    option = wait_for(
        page,
        lambda d: next(
            (o for o in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == "ATR 14"), None
        ),
        "the menu never offered ATR 14",
    )
    option.click()
    wait_for(page, lambda d: "ATR 14" in drawn(d)["panes"], "the ATR pane never drew")
    assert "atr14" in drawn(page)["url"]
    page.back()
    wait_for(page, lambda d: "ATR 14" not in drawn(d)["panes"], "back never took the pane away")
    page.save_screenshot(str(SHOTS / "42-chart-controls.png"))
