"""Deliveries to real receivers: an SMTP server, JSON and Slack-shaped webhooks, a failing one."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from stockdash.alerts import status
from stockdash.alerts.channels import parse_channels
from stockdash.alerts.delivery import TIMEOUTS
from stockdash.alerts.sender import Dispatcher
from tests.alerts.helpers import deliveries, fire_aapl_above_200, statuses
from tests.harness import wait_for

HEADLINE = "AAPL crossed above 200.00 — 200.13 at 10:31 ET (+1.8 % today)"
LINK = "https://stockdash.example/?symbol=AAPL"


@pytest.fixture
def dispatchers():
    made: list[Dispatcher] = []

    def make(engine, channels, *, give_up_after=timedelta(minutes=60)) -> Dispatcher:
        made.append(Dispatcher(engine, channels, give_up_after=give_up_after))
        made[-1].start()
        return made[-1]

    yield make
    for d in made:
        d.stop()


def test_the_email_reaches_a_real_smtp_server(engine, smtp, dispatchers):
    channels = parse_channels(smtp.url())
    fire_aapl_above_200(engine, channels)
    dispatchers(engine, channels)
    wait_for(lambda: smtp.messages, timeout=20, what="the e-mail")
    mail = smtp.messages[0]
    assert mail["Subject"] == "stockdash alert"
    assert mail["To"] == "owner@stockdash.test"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert [line.strip() for line in body.strip().splitlines()] == [HEADLINE, "Trim the position", LINK]
    wait_for(lambda: statuses(engine) == ["sent"], timeout=10, what="the delivery marked sent")
    assert len(smtp.messages) == 1
    assert smtp.logins == ["owner"]  # Apprise logged in with the password from ALERT_CHANNELS


def test_json_and_slack_shaped_webhooks_each_get_the_message_once(engine, receiver, dispatchers):
    hook, slack = receiver(), receiver()
    # Slack's incoming webhooks take {"text": ...}: Apprise's json:// remaps its fields to that shape.
    slack_shape = "?:message=text&:title&:type&:version&:attachments"
    slack_url = slack.url("json", "/services/T000/B000/XXXX") + slack_shape
    channels = parse_channels(f"{hook.url('json', '/alerts')} {slack_url}")
    fire_aapl_above_200(engine, channels)
    dispatchers(engine, channels)
    wait_for(lambda: hook.delivered and slack.delivered, timeout=20, what="both webhooks")
    wait_for(lambda: statuses(engine) == ["sent", "sent"], timeout=10, what="both marked sent")
    payload = hook.delivered[0].json()
    assert hook.delivered[0].path == "/alerts"
    assert payload["title"] == "stockdash alert"
    assert payload["message"].splitlines() == [HEADLINE, "Trim the position", LINK]
    assert slack.delivered[0].json() == {"text": f"{HEADLINE}\nTrim the position\n{LINK}"}
    assert len(hook.received) == len(slack.received) == 1


def test_a_receiver_answering_500_then_200_gets_it_on_the_retry(engine, receiver, dispatchers):
    hook = receiver(statuses=[500])
    channels = parse_channels(hook.url())
    fire_aapl_above_200(engine, channels)
    dispatchers(engine, channels)
    wait_for(lambda: hook.delivered, timeout=20, what="the retry")
    wait_for(lambda: statuses(engine) == ["sent"], timeout=10, what="sent")
    (row,) = deliveries(engine)
    assert row["attempts"] == 2 and row["error"] == ""
    assert len(hook.received) == 2  # the refused one, then the one taken


def test_a_hanging_channel_never_delays_the_others(engine, receiver, dispatchers):
    stuck, fine = receiver(hold=1), receiver()
    channels = parse_channels(f"{stuck.url()} {fine.url()}")
    fire_aapl_above_200(engine, channels)
    dispatchers(engine, channels)
    wait_for(lambda: fine.delivered and stuck.received, timeout=20, what="both channels asked")
    # Taken before the stuck send could have timed out: not queued behind it.
    assert fine.delivered[0].at - stuck.received[0].at < float(TIMEOUTS["rto"])
    assert not stuck.delivered


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_channel_that_keeps_failing_is_given_up_and_shown_masked(engine, receiver, dispatchers, caplog):
    token = "Zq9SuperSecretToken4711"
    hook = receiver(statuses=[500] * 50)
    channels = parse_channels(hook.url("json", f"/hook/{token}"))
    fire_aapl_above_200(engine, channels)
    caplog.set_level(logging.DEBUG)
    root = _Recorder()
    logging.getLogger().addHandler(root)
    caplog.set_level(logging.WARNING, logger="urllib3")  # as every process's logs.setup does
    dispatchers(engine, channels, give_up_after=timedelta(seconds=3))
    wait_for(lambda: statuses(engine) == ["failed"], timeout=30, what="the delivery given up")
    logging.getLogger().removeHandler(root)
    (row,) = deliveries(engine)
    assert row["attempts"] >= 2 and row["error"]
    with engine.connect() as conn:
        lines = status.status_lines(conn, now=datetime.now(UTC))
    failing = [line for line in lines if "FAILING" in line]
    assert failing and "#1 json" in failing[0] and "gave_up=1" in failing[0]
    # What reaches the process's log (the root logger's handlers: pytest also hooks Apprise's own
    # logger directly, which a process never does).
    logged = "\n".join(r.getMessage() for r in root.records)
    shown = "\n".join([*lines, row["error"], logged])
    for secret in (token, str(hook.port), hook.url()):
        assert secret not in shown


def test_two_senders_on_the_same_deliveries_send_each_once(engine, receiver, dispatchers):
    # Two clocks' senders (a standby that became active, an old one not yet gone) scanning together.
    hooks = [receiver(), receiver()]
    channels = parse_channels(" ".join(h.url() for h in hooks))
    fire_aapl_above_200(engine, channels)
    dispatchers(engine, channels)
    dispatchers(engine, channels)
    wait_for(lambda: statuses(engine) == ["sent", "sent"], timeout=20, what="both sent")
    assert [len(h.received) for h in hooks] == [1, 1]
    assert [d["attempts"] for d in deliveries(engine)] == [1, 1]
