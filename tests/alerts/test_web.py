"""The owner's sign-in over HTTP against a real gunicorn: what visitors get, refusals, the rate limit."""

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import func, select

from stockdash.alerts import rules
from stockdash.alerts.channels import parse_channels
from stockdash.alerts.signins import ATTEMPTS
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.schema import alert_rules
from stockdash.web import ids
from stockdash.web.alerts.auth import OFF, SIGN_IN_FIRST, TOO_MANY, WRONG
from tests.harness import Server, dash_payload, start_gunicorn, stop_gunicorn

pytestmark = pytest.mark.slow
TOKEN = "owner-token-for-tests-0123"
CHANNEL_SECRET = "chanSecret4242"
CHANNELS = f"json://127.0.0.1:9/hook/{CHANNEL_SECRET}"
SECRET_NOTE = "the owner's private note"
SESSION = [(ids.OWNER_SIGN_IN, "n_clicks"), (ids.OWNER_SIGN_OUT, "n_clicks")]
SESSION_OUT = [
    (ids.OWNER_VISITOR, "style"),
    (ids.OWNER_PANEL, "style"),
    (ids.OWNER_RULES, "children"),
    (ids.OWNER_CHANNELS, "children"),
    (ids.OWNER_MESSAGE, "children"),
    (ids.OWNER_TOKEN, "value"),
]
FIELDS = [
    ids.OWNER_SYMBOL,
    ids.OWNER_KIND,
    ids.OWNER_VALUE,
    ids.OWNER_MINUTES,
    ids.OWNER_SELECT,
    ids.OWNER_NOTE,
]


@pytest.fixture
def site(database_url, tmp_path) -> Iterator[tuple[Server, object]]:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        rules.add(
            conn,
            symbol="XYZQ",
            kind="price_above",
            value=123.45,
            channels=parse_channels(CHANNELS),
            note=SECRET_NOTE,
        )
    server = start_gunicorn(
        database_url,
        tmp_path / "gunicorn.log",
        ADMIN_TOKEN=TOKEN,
        SECRET_KEY="s" * 40,
        ALERT_CHANNELS=CHANNELS,
    )
    yield server, engine
    stop_gunicorn(server)
    engine.dispose()


def _sign_in(http: requests.Session, url: str, token: str, client: str) -> dict:
    payload = dash_payload(
        SESSION_OUT,
        [(i, p, 1 if i == ids.OWNER_SIGN_IN else None) for i, p in SESSION],
        state=[(ids.OWNER_TOKEN, "value", token)],
    )
    payload["changedPropIds"] = [f"{ids.OWNER_SIGN_IN}.n_clicks"]
    answer = http.post(
        url + "/_dash-update-component", json=payload, headers={"X-Forwarded-For": client}, timeout=20
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["response"]


def _edit_output(url: str) -> str:
    deps = requests.get(url + "/_dash-dependencies", timeout=20).json()
    return next(d["output"] for d in deps if "owner-rule-message" in d["output"])


def _edit(http: requests.Session, url: str, inputs: list, changed: str, values: dict) -> requests.Response:
    """One request of the rules' edit callback, as the browser sends it."""
    output = _edit_output(url)
    payload = {
        "output": output,
        "outputs": [
            {"id": ids.OWNER_RULES, "property": output[2:].split("...")[0].split(".", 1)[1]},
            {"id": ids.OWNER_RULE_MESSAGE, "property": "children"},
        ],
        "inputs": inputs,
        "changedPropIds": [changed],
        "state": [{"id": f, "property": "value", "value": values.get(f)} for f in FIELDS],
    }
    return http.post(url + "/_dash-update-component", json=payload, timeout=20)


def _add(http: requests.Session, url: str, symbol: str) -> requests.Response:
    values = {ids.OWNER_SYMBOL: symbol, ids.OWNER_KIND: "price_above", ids.OWNER_VALUE: "99"}
    add = {"id": ids.OWNER_ADD, "property": "n_clicks", "value": 1}
    return _edit(http, url, [add, [], []], f"{ids.OWNER_ADD}.n_clicks", values)


def _row_button(http: requests.Session, url: str, kind: str, rule_id: int) -> requests.Response:
    """A click on a rule's Pause/Resume (OWNER_TOGGLE) or Remove button, as the browser sends it."""
    clicked = [{"id": {"type": kind, "index": rule_id}, "property": "n_clicks", "value": 1}]
    inputs = [
        {"id": ids.OWNER_ADD, "property": "n_clicks", "value": 0},
        clicked if kind == ids.OWNER_REMOVE else [],
        clicked if kind == ids.OWNER_TOGGLE else [],
    ]
    return _edit(http, url, inputs, f'{{"index":{rule_id},"type":"{kind}"}}.n_clicks', {})


def _enabled(engine) -> list[bool]:
    with engine.connect() as conn:
        return list(conn.execute(select(alert_rules.c.enabled).order_by(alert_rules.c.id)).scalars())


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(alert_rules)).scalar_one()


def test_a_visitor_never_sees_the_owners_rules_or_channels_and_cannot_change_them(site):
    server, engine = site
    page = requests.get(server.url + "/_dash-layout", timeout=20).text
    assert "Sign in to manage alerts" in page
    for hidden in ("XYZQ", SECRET_NOTE, CHANNEL_SECRET, "#1 json", "123.45"):
        assert hidden not in page
    refused = _add(requests.Session(), server.url, "TSLA")
    assert refused.status_code == 200 and SIGN_IN_FIRST in refused.text and "XYZQ" not in refused.text
    assert _count(engine) == 1
    for kind in (ids.OWNER_TOGGLE, ids.OWNER_REMOVE):
        refused = _row_button(requests.Session(), server.url, kind, 1)
        assert refused.status_code == 200 and SIGN_IN_FIRST in refused.text
    assert _enabled(engine) == [True]


def test_the_owner_pauses_resumes_and_removes_a_rule(site):
    server, engine = site
    owner = requests.Session()
    _sign_in(owner, server.url, TOKEN, "203.0.113.8")
    paused = _row_button(owner, server.url, ids.OWNER_TOGGLE, 1)
    assert "Paused rule #1." in paused.text and "Resume" in paused.text and _enabled(engine) == [False]
    resumed = _row_button(owner, server.url, ids.OWNER_TOGGLE, 1)
    assert "Resumed rule #1." in resumed.text and "Pause" in resumed.text and _enabled(engine) == [True]
    assert "gone already" in _row_button(owner, server.url, ids.OWNER_TOGGLE, 99).text
    assert "Removed rule #1." in _row_button(owner, server.url, ids.OWNER_REMOVE, 1).text
    assert _count(engine) == 0


def test_the_owner_signs_in_adds_a_rule_and_the_attempts_are_limited(site):
    server, engine = site
    owner = requests.Session()
    wrong = _sign_in(owner, server.url, "not-the-token-at-all", "203.0.113.7")
    assert wrong[ids.OWNER_MESSAGE]["children"] == WRONG and "stockdash_owner" not in owner.cookies
    shown = _sign_in(owner, server.url, TOKEN, "203.0.113.7")
    assert shown[ids.OWNER_PANEL]["style"] == {} and shown[ids.OWNER_CHANNELS]["children"] == "#1 json"
    assert "XYZQ" in str(shown[ids.OWNER_RULES]) and CHANNEL_SECRET not in str(shown)
    cookie = next(c for c in owner.cookies if c.name == "stockdash_owner")
    assert cookie.has_nonstandard_attr("HttpOnly") and TOKEN not in cookie.value
    added = _add(owner, server.url, "tsla")
    assert "Added #2: TSLA price_above 99." in added.text and _count(engine) == 2

    # Another client guessing: ATTEMPTS tries, then even the right token is refused for a while.
    guesser = requests.Session()
    for n in range(ATTEMPTS):
        assert (
            _sign_in(guesser, server.url, f"guess-{n}", "198.51.100.9")[ids.OWNER_MESSAGE]["children"]
            == WRONG
        )
    blocked = _sign_in(guesser, server.url, TOKEN, "198.51.100.9")
    assert blocked[ids.OWNER_MESSAGE]["children"] == TOO_MANY and "XYZQ" not in str(blocked)
    # ... while the owner, from elsewhere, is not held up by the guesser.
    assert _sign_in(requests.Session(), server.url, TOKEN, "192.0.2.1")[ids.OWNER_PANEL]["style"] == {}


def test_without_admin_token_the_page_says_how_to_turn_server_alerts_on(sqlite_url, tmp_path):
    upgrade(make_engine(sqlite_url))
    server = start_gunicorn(sqlite_url, tmp_path / "gunicorn.log")
    try:
        page = requests.get(server.url + "/_dash-layout", timeout=20).json()
    finally:
        stop_gunicorn(server)
    assert OFF in str(page) and "Sign in to manage alerts" not in str(page)
