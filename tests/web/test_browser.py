"""The dashboard in headless Chromium against a real gunicorn: search, chart, movers, URL state."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from stockdash.db import make_engine
from stockdash.store import load_bars
from stockdash.universe import load_group
from stockdash.web.chart.periods import period_start
from tests.conftest import skip_or_fail
from tests.harness import CHROMEDRIVER, CHROMIUM, chromium, start_gunicorn, stop_gunicorn
from tests.web.conftest import ARTIFACTS, ETF_SAMPLE, fill

SHOTS = ARTIFACTS / "browser"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        skip_or_fail("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")


WAIT = 20


@pytest.fixture(scope="module")
def full_db(tmp_path_factory) -> Path:
    """The whole S&P 500 and a few ETFs, two years: a realistic page (and README screenshot)."""
    path = tmp_path_factory.mktemp("browserdb") / "demo.db"
    fill(f"sqlite:///{path}", list(load_group("sp500")["symbol"]) + ETF_SAMPLE + ["DIA", "IWM", "XLK", "XLE"])
    return path


@pytest.fixture(scope="module")
def site(full_db, tmp_path_factory):
    srv = start_gunicorn(f"sqlite:///{full_db}", tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    yield srv
    stop_gunicorn(srv)


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="stockdash-chromium-")
    driver = chromium(profile)
    # Keep every console error and Content-Security-Policy violation, so a test can assert none.
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__errors = []; const _e = console.error;"
            " console.error = function(...a) { window.__errors.push(a.map(x => {"
            " try { return JSON.stringify(x); } catch (e) { return String(x); } }).join(' '));"
            " _e.apply(console, a); };"
            " document.addEventListener('securitypolicyviolation', e => window.__errors.push("
            " 'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        },
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(lambda d: condition(d), message)


def offered(driver, typed: str, prefix: str, box: str = "input.dash-dropdown-search"):
    """Type `typed` into the open dropdown's search `box`; the option starting with `prefix` it offers."""
    from selenium.webdriver.common.by import By

    field = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, box), "no search box")
    field.send_keys(typed)
    return wait_for(
        driver,
        lambda d: next(
            (o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text.startswith(prefix)), None
        ),
        f"typing {typed!r} never offered {prefix.strip()}",
    )


def plotted(driver) -> dict | None:
    """Symbol, type and point count of the main price trace, as Plotly drew it."""
    return driver.execute_script(
        """
        const el = document.querySelector('#price-chart .js-plotly-plot');
        if (!el || !el.data || !el.data.length) { return null; }
        const t = el.data.find(t => t.type === 'candlestick')
            || el.data.find(t => t.type === 'scatter' && t.name !== '52-wk low');
        if (!t) { return null; }
        const last = t.close ? t.close[t.close.length - 1] : null;
        return {name: t.name, type: t.type, n: t.x.length, lastClose: last};
        """
    )


def grid_rows(driver, grid_id: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, f"#{grid_id} .ag-center-cols-container .ag-row")


def quote_symbol(driver) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, "#quote .quote-symbol")
    return found[0].text if found else ""


def stored(db: Path, symbol: str):
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        bars = load_bars(conn, symbol)
    engine.dispose()
    return bars


def test_search_chart_movers_and_url_state(site, browser, full_db):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/")
    wait_for(d, lambda d: plotted(d) is not None, "the default chart never drew")
    assert "Demo data" in d.find_element(By.ID, "freshness").text

    # Search with a typo and pick Microsoft.
    d.find_element(By.ID, "ticker").click()
    option = offered(d, "micrsoft", "MSFT")
    d.save_screenshot(str(SHOTS / "01-search-micrsoft.png"))
    option.click()

    # The chart shows MSFT's stored bars of the last year; the header its last close.
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == "MSFT", "MSFT was never charted")
    bars = stored(full_db, "MSFT")
    last = bars["date"].iloc[-1]
    expected = bars[bars["date"] >= period_start("1Y", last)]
    trace = plotted(d)
    assert trace["type"] == "candlestick"
    assert trace["n"] == len(expected) > 200
    assert trace["lastClose"] == pytest.approx(expected["close"].iloc[-1], abs=1e-3)
    assert d.find_element(By.ID, "quote-close").text == f"{expected['close'].iloc[-1]:,.2f}"
    assert "symbol=MSFT" in d.current_url

    # Both movers tables, ten rows each.
    wait_for(
        d, lambda d: len(grid_rows(d, "gainers")) == 10 and len(grid_rows(d, "losers")) == 10, "movers tables"
    )
    d.execute_script("window.scrollTo(0, 0)")
    d.save_screenshot(str(SHOTS / "02-msft-chart-and-movers.png"))

    # Click the top loser: its chart replaces MSFT's, the URL follows.
    row = grid_rows(d, "losers")[0]
    loser = row.find_element(By.CSS_SELECTOR, "[col-id=symbol]").text
    row.find_element(By.CSS_SELECTOR, "[col-id=name]").click()
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == loser, f"clicking {loser} never charted it")
    wait_for(d, lambda d: quote_symbol(d) == loser, "the header did not follow the click")
    assert f"symbol={loser}" in d.current_url
    assert plotted(d)["n"] == len(
        stored(full_db, loser).pipe(lambda b: b[b["date"] >= period_start("1Y", b["date"].iloc[-1])])
    )
    d.save_screenshot(str(SHOTS / "03-mover-clicked.png"))

    # Back goes to MSFT again.
    d.back()
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == "MSFT", "back button did not restore MSFT")
    assert d.execute_script("return window.__errors") == []


def test_shared_link_reopens_the_view(site, browser):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/?symbol=AAPL&period=6M&compare=MSFT,SPY")
    wait_for(
        d,
        lambda d: (
            d.execute_script(
                "const el = document.querySelector('#price-chart .js-plotly-plot');"
                "if (!el || !el.data) { return ''; }"
                "return el.data.filter(t => t.type === 'scatter').map(t => t.name).join(',');"
            )
            == "AAPL,MSFT,SPY"
        ),
        "compare lines never drew",
    )
    checked = d.find_element(By.CSS_SELECTOR, "#period input:checked").get_attribute("value")
    assert checked == "6M"
    assert "% change from" in d.find_element(By.ID, "chart-notice").text
    d.save_screenshot(str(SHOTS / "04-compare-link.png"))
    assert d.execute_script("return window.__errors") == []


def chart_annotation(driver) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, "#price-chart .annotation-text")
    return found[0].text if found else ""


def test_bad_ticker_in_link_is_a_plain_message(site, browser):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site.url + "/?symbol=%24%24%24")
    wait_for(
        d, lambda d: "not a valid ticker symbol" in d.find_element(By.ID, "chart-notice").text, "no message"
    )
    # The notice and the figure are outputs of one callback, but Plotly draws the figure after React
    # renders the notice: wait for the drawing, not just the notice.
    wait_for(d, lambda d: "Nothing to chart" in chart_annotation(d), "the chart never pointed to the reason")
    assert "not a valid ticker symbol" not in chart_annotation(d)  # said once, in the notice
    d.save_screenshot(str(SHOTS / "05-bad-ticker.png"))
    assert d.execute_script("return window.__errors") == []


def test_page_runs_under_the_content_security_policy(site, browser):
    """The chart and the movers render with no CSP violation, and the policy is really enforced."""
    d = browser
    d.get(site.url + "/?symbol=AAPL")
    wait_for(d, lambda d: (plotted(d) or {}).get("name") == "AAPL", "AAPL was never charted")
    wait_for(d, lambda d: len(grid_rows(d, "gainers")) == 10, "movers never rendered")
    wait_for(
        d,
        lambda d: d.execute_script("return document.querySelectorAll('#sector-treemap .slice').length") > 0,
        "the treemap never drew",
    )
    assert d.execute_script("return window.__errors") == []
    ran = d.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__injected = 1';"
        " document.body.appendChild(s); return window.__injected || 0;"
    )
    assert ran == 0
    wait_for(
        d,
        lambda d: any("script-src" in e for e in d.execute_script("return window.__errors")),
        "an injected inline script was not reported as a CSP violation",
    )
