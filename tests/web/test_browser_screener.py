"""The screener tab in headless Chromium against a real gunicorn: a preset, a filter, a sort, a shared
link, a row charted; on a desktop and on a 390 px phone. Rows are checked against the API."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
import requests

from tests.web.test_browser import SHOTS, _needs_chromium, browser, grid_rows, offered, wait_for  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def api_symbols(server, *pairs: tuple[str, str]) -> list[str]:
    resp = requests.get(server.url + "/api/screener", params=[*pairs, ("limit", "1000")], timeout=10)
    assert resp.status_code == 200, resp.text
    return [r["symbol"] for r in resp.json()["rows"]]


def shown_symbols(driver) -> list[str]:
    """The grid's symbols in the order shown (AG Grid orders the row elements by their row index)."""
    return driver.execute_script(
        """
        const rows = [...document.querySelectorAll('#screen-grid .ag-pinned-left-cols-container .ag-row')];
        rows.sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')));
        return rows.map(r => r.querySelector('[col-id=symbol]').textContent.trim());
        """
    )


def count_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "screen-count").text


def pick(driver, dropdown_id: str, typed: str, prefix: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"#{dropdown_id}").click()
    offered(driver, typed, prefix).click()


def shows(driver, expected: list[str], what: str) -> None:
    try:
        wait_for(driver, lambda d: shown_symbols(d) == expected, f"the grid never showed {what}: {expected}")
    except Exception:
        driver.save_screenshot(str(SHOTS / "screener-failed.png"))
        raise AssertionError(f"shown {shown_symbols(driver)}, wanted {expected}") from None


def run_the_screen(d, server, tag: str) -> None:
    """Preset, filter, sort, link, chart a row; screenshots named with `tag`."""
    from selenium.webdriver.common.by import By

    d.get(server.url + "/#screener?group=all&sort=-dollar_volume_20")
    shows(d, api_symbols(server, ("sort", "-dollar_volume_20")), "the linked screen")
    assert "26 matches" in count_text(d) and "shown" not in count_text(d)  # all on one page
    assert all(d.find_element(By.ID, b).get_attribute("disabled") for b in ("screen-prev", "screen-next"))
    d.save_screenshot(str(SHOTS / f"screener-{tag}-01-linked.png"))

    # A preset: top gainers over one day.
    pick(d, "screen-preset", "gainers, 1 day", "Top gainers, 1 day")
    shows(d, api_symbols(server, ("sort", "-pct_1d")), "the 1-day gainers")
    d.save_screenshot(str(SHOTS / f"screener-{tag}-02-preset.png"))

    # A filter from the builder: RSI 14 < 60 (field and operator are the builder's defaults).
    value = d.find_element(By.ID, "screen-value")
    value.send_keys("60")
    d.find_element(By.ID, "screen-add").click()
    want = api_symbols(server, ("where", "rsi14<60"), ("sort", "-pct_1d"))
    assert 0 < len(want) < 26
    shows(d, want, "the filtered rows")
    wait_for(d, lambda d: "rsi14<60" in d.find_element(By.ID, "screen-filters").text, "no filter chip")
    assert f"{len(want)} match" in count_text(d)
    d.save_screenshot(str(SHOTS / f"screener-{tag}-03-filter.png"))

    # A sort: RSI ascending, over every match.
    pick(d, "screen-sort", "RSI 14 ↑", "RSI 14 ↑")
    sorted_want = api_symbols(server, ("where", "rsi14<60"), ("sort", "rsi14"))
    shows(d, sorted_want, "the rows by RSI")
    link = d.current_url
    assert "where=rsi14<60" in unquote(link) and "sort=rsi14" in unquote(link) and "preset=gainers_1d" in link
    d.save_screenshot(str(SHOTS / f"screener-{tag}-04-sorted.png"))

    # The link opened afresh: the same screen.
    d.get("about:blank")
    d.get(link)
    shows(d, sorted_want, "the same screen from its link")
    assert "rsi14<60" in d.find_element(By.ID, "screen-filters").text
    d.save_screenshot(str(SHOTS / f"screener-{tag}-05-link.png"))

    # A row charts its symbol: the chart tab, the ticker, the URL.
    first = sorted_want[0]
    cell = d.find_element(
        By.CSS_SELECTOR, "#screen-grid .ag-pinned-left-cols-container .ag-row[row-index='0']"
    )
    cell.click()
    wait_for(d, lambda d: d.find_element(By.ID, "chart-tab").is_displayed(), "the chart tab never showed")
    wait_for(d, lambda d: f"symbol={first}" in d.current_url, f"the URL never named {first}")
    wait_for(
        d,
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#quote .quote-symbol")
            and d.find_element(By.CSS_SELECTOR, "#quote .quote-symbol").text == first
        ),
        f"the chart never showed {first}",
    )
    assert not d.find_element(By.ID, "screener-tab").is_displayed()
    assert "#screener" not in d.current_url
    d.save_screenshot(str(SHOTS / f"screener-{tag}-06-charted.png"))
    assert d.execute_script("return window.__errors") == []


def test_screener_on_a_desktop(server, browser):  # noqa: F811
    run_the_screen(browser, server, "desktop")


def test_screener_on_a_phone(server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        d.get(server.url + "/#screener?preset=oversold&group=all&where=rsi14<60&sort=rsi14")
        shows(d, api_symbols(server, ("where", "rsi14<60"), ("sort", "rsi14")), "the phone's screen")
        # Symbol, last and the screen's figure (RSI) are on screen, not behind a scroll.
        visible = d.execute_script(
            """
            const right = window.innerWidth;
            return [...document.querySelectorAll('#screen-grid .ag-header-cell')]
                .filter(h => { const r = h.getBoundingClientRect(); return r.width > 0 && r.right <= right; })
                .map(h => h.getAttribute('col-id'));
            """
        )
        assert {"symbol", "close", "rsi14"} <= set(visible), visible
        d.execute_script("document.getElementById('screen-grid').scrollIntoView()")
        d.save_screenshot(str(SHOTS / "screener-phone-00-figures.png"))
        run_the_screen(d, server, "phone")
        assert d.find_element(By.ID, "chart-tab").is_displayed()
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
