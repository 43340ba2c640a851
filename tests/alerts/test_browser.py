"""Sign in to manage alerts in headless Chromium against a real gunicorn, on SQLite and PostgreSQL:
a wrong token, the right one, a rule added, and a change refused once the session is gone."""

from collections.abc import Iterator

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.schema import alert_rules
from stockdash.web import ids
from stockdash.web.alerts.auth import SIGN_IN_FIRST, WRONG
from tests.harness import start_gunicorn, stop_gunicorn
from tests.web.test_browser import SHOTS, _needs_chromium, browser, wait_for  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOKEN = "browser-owner-token-98765"


@pytest.fixture
def owner_site(database_url, tmp_path) -> Iterator[tuple[str, object]]:
    engine = make_engine(database_url)
    upgrade(engine)
    server = start_gunicorn(
        database_url,
        tmp_path / "gunicorn.log",
        ADMIN_TOKEN=TOKEN,
        SECRET_KEY="b" * 40,
        ALERT_CHANNELS="json://127.0.0.1:9/hook form://127.0.0.1:9/form",
    )
    yield server.url, engine
    stop_gunicorn(server)
    engine.dispose()


def _text(d, id_: str) -> str:
    found = d.find_elements(By.ID, id_)
    return found[0].text if found else ""


def _symbols(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(alert_rules.c.symbol).order_by(alert_rules.c.id)).scalars())


def _click_until(d, id_: str, condition) -> None:
    """Click until `condition` holds: a click while the reloaded page still wires its callbacks
    is lost by Dash, so one click is not proof of anything."""
    for _ in range(5):
        d.find_element(By.ID, id_).click()
        try:
            WebDriverWait(d, 4, poll_frequency=0.1).until(condition)
            return
        except TimeoutException:
            continue
    raise AssertionError(f"clicking {id_} never led to the expected page")


def _type(d, id_: str, text: str) -> None:
    box = d.find_element(By.ID, id_)
    box.clear()
    box.send_keys(text)


def test_sign_in_add_a_rule_and_refusal_without_the_session(owner_site, browser):  # noqa: F811
    url, engine = owner_site
    d = browser
    d.delete_all_cookies()
    d.get(url + "/")
    wait_for(d, lambda d: d.find_elements(By.ID, ids.OWNER_SIGN_IN), "no sign-in button")
    assert not d.find_element(By.ID, ids.OWNER_PANEL).is_displayed()

    _type(d, ids.OWNER_TOKEN, "a-wrong-guess-of-the-token")
    d.find_element(By.ID, ids.OWNER_SIGN_IN).click()
    wait_for(d, lambda d: _text(d, ids.OWNER_MESSAGE) == WRONG, "a wrong token was not refused")
    assert not d.find_element(By.ID, ids.OWNER_PANEL).is_displayed()

    _type(d, ids.OWNER_TOKEN, TOKEN)
    d.find_element(By.ID, ids.OWNER_SIGN_IN).click()
    wait_for(
        d, lambda d: d.find_element(By.ID, ids.OWNER_PANEL).is_displayed(), "the owner's panel never showed"
    )
    assert _text(d, ids.OWNER_CHANNELS) == "#1 json, #2 form"
    assert d.find_element(By.ID, ids.OWNER_TOKEN).get_attribute("value") == ""  # not left in the page

    _type(d, ids.OWNER_SYMBOL, "aapl")
    _type(d, ids.OWNER_VALUE, "250")
    _type(d, ids.OWNER_NOTE, "from the browser")
    d.find_element(By.ID, ids.OWNER_ADD).click()
    wait_for(d, lambda d: "Added #1: AAPL price_above 250" in _text(d, ids.OWNER_RULE_MESSAGE), "not added")
    wait_for(d, lambda d: "from the browser" in _text(d, ids.OWNER_RULES), "the rule is not listed")
    assert _symbols(engine) == ["AAPL"]
    d.save_screenshot(str(SHOTS / "alerts-owner.png"))

    # A reload keeps the session (signed cookie); the rules are drawn with the page.
    d.get(url + "/")
    wait_for(
        d, lambda d: "from the browser" in _text(d, ids.OWNER_RULES), "the session did not survive a reload"
    )

    # The cookie gone (expired, another browser): the same click is refused and changes nothing.
    d.delete_all_cookies()
    _type(d, ids.OWNER_SYMBOL, "msft")
    d.find_element(By.ID, ids.OWNER_ADD).click()
    wait_for(
        d,
        lambda d: _text(d, ids.OWNER_RULE_MESSAGE) == SIGN_IN_FIRST,
        "a change without session went through",
    )
    assert _symbols(engine) == ["AAPL"]
    d.get(url + "/")
    wait_for(d, lambda d: d.find_element(By.ID, ids.OWNER_VISITOR).is_displayed(), "no sign-in form")
    assert "from the browser" not in d.page_source and "AAPL price_above" not in d.page_source
