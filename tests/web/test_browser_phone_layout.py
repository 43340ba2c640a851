"""The page on a 390 x 844 phone (and a 1366 x 900 desktop) in headless Chromium against a real
gunicorn: the chart's top on the first screen, axis titles inside the chart and clear of the tick
labels, the sector map's caption wrapping above the map, zoomed in or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockdash.universe import load_group
from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.conftest import fill
from tests.web.test_browser import SHOTS, _needs_chromium, browser, plotted, wait_for  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
# Shares from every sector (a map worth zooming into), and prices of very different widths on
# the price axis: a bitcoin in the tens of thousands, a currency pair near 1.
WIDE_PRICES = ["BTC-USD", "EURUSD=X"]


@pytest.fixture(scope="module")
def phone_site(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("phonedb") / "demo.db"
    fill(f"sqlite:///{path}", list(load_group("sp500")["symbol"])[:120] + WIDE_PRICES)
    srv = start_gunicorn(f"sqlite:///{path}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)


@pytest.fixture
def phone(browser):  # noqa: F811 (the imported fixture)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def box(driver, selector: str) -> dict | None:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) { return null; }"
        " const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};",
        selector,
    )


def axis_titles(driver) -> list[dict]:
    """Each y-axis title of the price chart, the chart's box and its axis's tick labels' boxes."""
    return driver.execute_script(
        """
        const svg = document.querySelector('#price-chart .main-svg').getBoundingClientRect();
        const rect = e => { const r = e.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
        return [...document.querySelectorAll('#price-chart .infolayer g[class^="g-y"]')].map(t => {
            const axis = t.getAttribute('class').match(/g-(y\\d*)title/)[1];
            const ticks = [...document.querySelectorAll(`#price-chart .${axis}tick text`)].map(rect);
            return {text: t.textContent, box: rect(t), svg: rect(document.querySelector(
                '#price-chart .main-svg')), ticks, chart: {left: svg.left, right: svg.right}};
        });
        """
    )


def assert_titles_clear(driver, symbol: str) -> None:
    titles = axis_titles(driver)
    assert titles and titles[0]["text"] == "Price (USD)", titles
    for title in titles:
        b = title["box"]
        assert title["chart"]["left"] <= b["left"] and b["right"] <= title["chart"]["right"], (symbol, title)
        for tick in title["ticks"]:
            apart = tick["right"] <= b["left"] or b["right"] <= tick["left"]
            above_or_below = tick["bottom"] <= b["top"] or b["bottom"] <= tick["top"]
            assert apart or above_or_below, (symbol, title["text"], tick, b)


def open_chart(driver, url: str, symbol: str) -> None:
    driver.get(url)
    wait_for(driver, lambda d: (plotted(d) or {}).get("name") == symbol, f"{symbol} was never charted")
    wait_for(driver, lambda d: axis_titles(d), "the chart drew no axis title")


def test_the_chart_starts_on_a_phones_first_screen(phone_site, phone):
    d = phone
    open_chart(d, phone_site.url + "/?symbol=AAPL", "AAPL")
    graph = box(d, "#price-chart")
    # Most of the price pane shows before any scrolling, under the ticker, price and periods.
    assert graph["top"] + 300 <= PHONE["height"], graph
    for above in ("#ticker", "#quote .quote-price", "#period"):
        assert box(d, above)["bottom"] <= graph["top"], above
    assert box(d, "#compare")["top"] >= graph["bottom"]  # comparing comes after the chart on a phone
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE["width"]
    d.save_screenshot(str(SHOTS / "60-phone-first-screen.png"))
    assert d.execute_script("return window.__errors") == []


@pytest.mark.parametrize("symbol", ["AAPL", *WIDE_PRICES])
def test_axis_titles_are_inside_the_chart_and_clear_of_its_ticks(phone_site, phone, symbol):
    d = phone
    open_chart(d, f"{phone_site.url}/?symbol={symbol}&ind=rsi14", symbol)
    wait_for(d, lambda d: len(axis_titles(d)) >= 3, "the RSI pane's title never drew")
    assert_titles_clear(d, symbol)
    if symbol == "BTC-USD":
        d.execute_script("document.getElementById('price-chart').scrollIntoView()")
        d.save_screenshot(str(SHOTS / "61-phone-axis-titles-bitcoin.png"))


def test_the_desktop_keeps_its_order_and_clear_titles(phone_site, browser):  # noqa: F811
    d = browser
    d.set_window_size(1366, 900)
    open_chart(d, phone_site.url + "/?symbol=BTC-USD", "BTC-USD")
    graph = box(d, "#price-chart")
    assert box(d, "#compare")["bottom"] <= box(d, "#quote")["top"] <= graph["top"]  # pickers, quote, chart
    assert graph["top"] < 900
    assert_titles_clear(d, "BTC-USD")
    d.save_screenshot(str(SHOTS / "62-desktop-1366-chart.png"))


def map_parts(driver) -> dict:
    return driver.execute_script(
        """
        const rect = e => { if (!e) { return null; } const r = e.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; };
        const caption = document.querySelector('#movers-body .map-caption');
        const map = document.querySelector('#sector-treemap .main-svg');
        const bar = document.querySelector('#sector-treemap .pathbar');
        return {caption: rect(caption), text: caption && caption.textContent,
                cut: caption ? caption.scrollWidth > caption.clientWidth : null,
                lineHeight: caption ? parseFloat(getComputedStyle(caption).lineHeight) : null,
                map: rect(map), bar: rect(bar),
                barSlices: bar ? bar.querySelectorAll('path.surface').length : 0,
                card: rect(document.getElementById('movers-body'))};
        """
    )


def zoom_into_a_sector(driver) -> str:
    """Click a sector's header strip in the map, as a visitor zooms in; the sector's name."""
    target = driver.execute_script(
        """
        const slices = [...document.querySelectorAll('#sector-treemap .treemaplayer .slice')];
        const sector = slices.find(s => s.__data__ && String(s.__data__.data.data.id).startsWith('s:'));
        const r = sector.querySelector('path.surface').getBoundingClientRect();
        return {name: sector.__data__.data.data.id.slice(2), x: r.left + 12, y: r.top + 6};
        """
    )
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        driver.execute_cdp_cmd(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": target["x"], "y": target["y"], "button": "left", "clickCount": 1},
        )
    return target["name"]


@pytest.mark.parametrize("width", [390, 1366])
def test_the_sector_maps_caption_wraps_above_the_map_zoomed_or_not(phone_site, browser, width):  # noqa: F811
    d = browser
    if width == 390:
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    else:
        d.set_window_size(1366, 900)
    try:
        d.get(phone_site.url + "/")
        wait_for(d, lambda d: map_parts(d)["map"] and map_parts(d)["text"], "the sector map never drew")
        d.execute_script("document.getElementById('sector-treemap').scrollIntoView({block: 'center'})")
        parts = map_parts(d)
        assert parts["text"].endswith("tile size = dollar volume"), parts["text"]
        assert not parts["cut"] and parts["caption"]["right"] <= parts["card"]["right"], parts
        assert parts["caption"]["bottom"] <= parts["map"]["top"], parts
        if width == 390:  # too long for one line at this width: it wraps instead of being cut
            assert parts["caption"]["height"] >= 1.5 * parts["lineHeight"], parts
        d.save_screenshot(str(SHOTS / f"63-sector-map-caption-{width}.png"))

        zoom_into_a_sector(d)
        wait_for(d, lambda d: map_parts(d)["barSlices"] >= 1, "zooming into a sector showed no path bar")
        parts = map_parts(d)
        # The path bar is drawn whole inside the map (not cut by its top), under the caption.
        assert parts["caption"]["bottom"] <= parts["map"]["top"] <= parts["bar"]["top"], parts
        assert parts["bar"]["height"] >= 18, parts
        d.save_screenshot(str(SHOTS / f"64-sector-map-zoomed-{width}.png"))
        assert d.execute_script("return window.__errors") == []
    finally:
        if width == 390:
            d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
