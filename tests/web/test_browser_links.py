"""Links in headless Chromium against a real gunicorn, on a desktop and a 390 x 844 phone: what a link
asks for and does not get is named in the notice and put right in the date boxes and the address
bar; chart type and the movers' horizon and group come back from a link; compare is off on 1D/5D."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.conftest import fill
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    SHOTS,
    _needs_chromium,
    browser,
    grid_rows,
    plotted,
    stored,
    wait_for,
)

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1366, 1000), "phone": (390, 844)}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("linksdb") / "demo.db"
    fill(f"sqlite:///{path}", ["MSFT", "AAPL", "KO", "SPY", "QQQ", "NVDA", "JPM"])
    return path


@pytest.fixture(scope="module")
def site(db, tmp_path_factory):
    srv = start_gunicorn(f"sqlite:///{db}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)


@pytest.fixture(params=list(SIZES))
def page(request, browser):  # noqa: F811 (the imported fixture)
    width, height = SIZES[request.param]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": request.param == "phone"},
    )
    browser.size = request.param
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert (browser.execute_script("return window.__errors") or []) == []


def notice(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "chart-notice").text


def dates(driver) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    start = driver.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-start-date").get_attribute("value")
    end = driver.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-end-date").get_attribute("value")
    return start, end


def checked(driver, id_: str) -> str | None:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"#{id_} input:checked")
    return found[0].get_attribute("value") if found else None


def candle_days(driver) -> list[str]:
    return driver.execute_script(
        "const el = document.querySelector('#price-chart .js-plotly-plot');"
        "const t = el && el.data && el.data.find(t => t.type === 'candlestick');"
        "return t ? t.x.map(x => String(x).slice(0, 10)) : [];"
    )


def in_range(days: list[str], first, last) -> bool:
    return bool(days) and str(first) <= days[0] and days[-1] <= str(last)


def shot(driver, name: str) -> None:
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(SHOTS / f"{name}-{driver.size}.png"))


def test_a_reversed_range_is_charted_in_order_and_put_right(site, db, page):
    last = stored(db, "MSFT")["date"].iloc[-1]
    early, late = last - timedelta(days=150), last - timedelta(days=30)
    page.get(f"{site.url}/?symbol=MSFT&start={late}&end={early}")
    wait_for(page, lambda d: "given end first" in notice(d), "the reversal was never named")
    wait_for(page, lambda d: f"start={early}&end={late}" in d.current_url, "the address was never put right")
    wait_for(page, lambda d: in_range(candle_days(d), early, late), "the range was never charted in order")
    assert dates(page) == (f"{early:%-d %b %Y}", f"{late:%-d %b %Y}")  # the boxes say what is charted
    shot(page, "50-link-reversed-range")


def test_an_unknown_period_and_dates_that_are_not_dates_are_named(site, page):
    page.get(f"{site.url}/?symbol=KO&period=7Y")
    wait_for(page, lambda d: "Unknown period '7Y'" in notice(d), "an unknown period was not named")
    assert checked(page, "period") == "1Y" and (plotted(page) or {}).get("name") == "KO"
    wait_for(page, lambda d: "period=1Y" in d.current_url, "the address kept 7Y")
    page.get(f"{site.url}/?symbol=KO&period=1m")
    wait_for(page, lambda d: "Unknown period '1m'" in notice(d), "1m (a minute or a month?) was not named")
    page.get(f"{site.url}/?symbol=KO&start=banana&end=2024-02-30")
    wait_for(page, lambda d: "start date 'banana' is not a date" in notice(d), "banana was not named")
    assert "end date 2024-02-30 does not exist" in notice(page)
    assert checked(page, "period") == "1Y" and dates(page) == ("", "")
    shot(page, "51-link-bad-period-and-dates")


def test_a_range_before_the_stored_prices_says_where_they_start(site, db, page):
    bars = stored(db, "MSFT")["date"]
    page.get(f"{site.url}/?symbol=MSFT&start=1990-01-01&end=1990-12-31")
    first, last = bars.iloc[0], bars.iloc[-1]
    expected = f"stored prices run from {first:%d %b %Y} to {last:%d %b %Y}"
    wait_for(page, lambda d: expected in notice(d), "the stored range was never said")
    assert "No prices for MSFT from 01 Jan 1990 to 31 Dec 1990" in notice(page)
    shot(page, "52-link-before-the-data")


def test_chart_type_and_movers_come_back_from_a_link(site, page):
    from selenium.webdriver.common.by import By

    page.get(f"{site.url}/?symbol=AAPL&period=6M&chart=line&horizon=1w&group=etfs")
    wait_for(page, lambda d: (plotted(d) or {}).get("type") == "scatter", "the line chart never drew")
    wait_for(
        page,
        lambda d: (checked(d, "movers-horizon"), checked(d, "movers-group")) == ("1w", "etfs"),
        "the movers buttons never followed the link",
    )
    wait_for(
        page, lambda d: "ETFs" in d.find_element(By.ID, "movers-as-of").text, "the ETF movers never drew"
    )
    assert checked(page, "chart-type") == "line"
    label = "//div[@id='movers-horizon']//label[normalize-space()='1 month']"
    page.execute_script("arguments[0].click()", page.find_element(By.XPATH, label))
    wait_for(page, lambda d: "horizon=1m" in d.current_url, "the link never took the movers' horizon")
    assert "chart=line" in page.current_url and "group=etfs" in page.current_url
    assert (plotted(page) or {}).get("type") == "scatter"
    candles = page.find_element(By.CSS_SELECTOR, "#chart-type input[value=candles]")
    page.execute_script("arguments[0].click()", candles)
    wait_for(page, lambda d: checked(d, "chart-type") == "candles", "the Candles button never took the click")
    wait_for(page, lambda d: (plotted(d) or {}).get("type") == "candlestick", "candles never drew")
    wait_for(page, lambda d: "chart=" not in d.current_url, "the link kept the line")
    page.back()
    wait_for(page, lambda d: (plotted(d) or {}).get("type") == "scatter", "back never brought the line")
    shot(page, "53-link-chart-type-and-movers")


def compare_box_disabled(driver) -> bool:
    return driver.execute_script(
        "const box = document.querySelector('#compare'); return !!box && box.disabled;"
    )


def test_compare_is_off_on_1d_and_5d_and_says_so(site, page):
    from selenium.webdriver.common.by import By

    page.get(f"{site.url}/?symbol=AAPL&period=5D&compare=MSFT")
    wait_for(
        page, lambda d: "Compare is off on 1D and 5D" in notice(d), "the notice never said compare is off"
    )
    assert "MSFT is compared again on 1M and longer" in notice(page)
    assert "Compare is off on 1D and 5D" in page.find_element(By.ID, "compare-hint").text
    assert "Comparing as % change" not in page.find_element(By.ID, "compare-hint").text
    assert (plotted(page) or {}).get("name") == "AAPL"  # one ticker, its candles enabled
    types = page.find_elements(By.CSS_SELECTOR, "#chart-type input")
    assert types and not any(t.get_attribute("disabled") for t in types)
    shot(page, "54-link-compare-on-5d")
    month = "//div[@id='period']//label[normalize-space()='1M']"
    page.execute_script("arguments[0].click()", page.find_element(By.XPATH, month))
    wait_for(
        page,
        lambda d: (
            d.execute_script(
                "const el = document.querySelector('#price-chart .js-plotly-plot');"
                "if (!el || !el.data) { return ''; }"
                "return el.data.filter(t => t.type === 'scatter').map(t => t.name).join(',');"
            )
            == "AAPL,MSFT"
        ),
        "1M never compared again",
    )
    assert "Comparing as % change" in page.find_element(By.ID, "compare-hint").text
    assert not compare_box_disabled(page)
    day = "//div[@id='period']//label[normalize-space()='1D']"
    page.execute_script("arguments[0].click()", page.find_element(By.XPATH, day))
    wait_for(page, compare_box_disabled, "the compare box was not turned off on 1D")
    wait_for(page, lambda d: "Compare is off on 1D and 5D" in notice(d), "1D never said compare is off")
    assert "compare=MSFT" in page.current_url  # kept for the next daily period


def test_a_range_typed_end_first_is_put_in_order(site, db, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    last = stored(db, "MSFT")["date"].iloc[-1]
    early, late = last - timedelta(days=150), last - timedelta(days=30)
    page.get(f"{site.url}/?symbol=MSFT&period=1Y")
    wait_for(page, lambda d: (plotted(d) or {}).get("name") == "MSFT", "MSFT never drew")
    start = page.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-start-date")
    start.click()
    start.send_keys(f"{late:%-d %b %Y}")
    end = page.find_element(By.CSS_SELECTOR, ".dates .dash-datepicker-end-date")
    end.click()
    end.send_keys(f"{early:%-d %b %Y}", Keys.TAB)
    wait_for(page, lambda d: f"start={early}&end={late}" in d.current_url, "the range was never put in order")
    wait_for(page, lambda d: dates(d) == (f"{early:%-d %b %Y}", f"{late:%-d %b %Y}"), "the boxes kept it")
    wait_for(page, lambda d: in_range(candle_days(d), early, late), "the chart never showed the range")
    assert "given end first" in notice(page)
    shot(page, "55-typed-reversed-range")
