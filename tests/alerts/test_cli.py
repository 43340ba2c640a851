"""`python worker.py alerts …` and `status` as the owner runs them: real processes, real receivers."""

from datetime import timedelta

from sqlalchemy import select

from stockdash.alerts.channels import parse_channels
from stockdash.alerts.delivery import deliver
from stockdash.db import make_engine
from stockdash.migrate import upgrade
from stockdash.schema import alert_deliveries
from tests.alerts.helpers import fire_aapl_above_200
from tests.test_cli import worker


def test_rules_are_added_listed_tested_and_removed_from_the_shell(sqlite_url, receiver):
    """The shell's side only (rules on both databases: test_firing); ten processes, so one database."""
    database_url = sqlite_url
    good, bad = receiver(), receiver(statuses=[500])
    secret = "hookToken9876543"
    channels = f"{good.url('json', '/ok')} {bad.url('json', '/x/' + secret)}"
    env = {"ALERT_CHANNELS": channels}
    assert worker("migrate", database_url=database_url).returncode == 0

    added = worker(
        "alerts", "add", "aapl", "price_above", "200", "--note", "Trim", database_url=database_url, **env
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added #1: AAPL price_above 200 channels=all"
    rsi = worker("alerts", "add", "MSFT", "rsi_below", "--channels", "2", database_url=database_url, **env)
    assert rsi.stdout.strip() == "added #2: MSFT rsi_below 30 channels=#2 json"
    refused = worker("alerts", "add", "AAPL", "price_above", "-5", database_url=database_url, **env)
    assert refused.returncode == 2 and refused.stdout.strip() == "alerts add: a price level must be above 0"
    unknown = worker(
        "alerts", "add", "AAPL", "price_above", "200", "--channels", "7", database_url=database_url, **env
    )
    assert unknown.returncode == 2 and "no channel #7" in unknown.stdout

    listed = worker("alerts", "list", database_url=database_url, **env).stdout.splitlines()
    assert len(listed) == 2
    assert listed[0].startswith("#1    on  AAPL price_above 200") and "note: Trim" in listed[0]
    assert "waiting for the other side" in listed[0] and "channels=#2 json" in listed[1]

    tested = worker("alerts", "test", database_url=database_url, **env)
    assert tested.returncode == 1  # one channel refused
    lines = tested.stdout.splitlines()
    assert lines[0].split() == ["#1", "json", "ok"]
    assert lines[1].startswith("#2 json") and "FAILED" in lines[1]
    assert "test message" in good.delivered[0].json()["message"]
    everything = tested.stdout + tested.stderr + "\n".join(listed)
    assert secret not in everything and str(bad.port) not in everything

    assert worker("alerts", "remove", "1", database_url=database_url, **env).returncode == 0
    assert worker("alerts", "remove", "1", database_url=database_url, **env).returncode == 1
    assert len(worker("alerts", "list", database_url=database_url, **env).stdout.splitlines()) == 1


def test_status_shows_the_last_firings_and_a_failing_channel_masked(database_url, receiver):
    secret = "statusToken123456"
    bad = receiver(statuses=[500] * 5)
    url = bad.url("json", f"/hook/{secret}")
    engine = make_engine(database_url)
    upgrade(engine)
    channels = parse_channels(url)
    fire_aapl_above_200(engine, channels)
    with engine.connect() as conn:
        delivery_id = conn.execute(select(alert_deliveries.c.id)).scalar_one()
    assert deliver(engine, delivery_id, channels, give_up_after=timedelta(0)) == "failed"
    engine.dispose()

    shown = worker("status", database_url=database_url, ALERT_CHANNELS=url)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    fired = [line for line in lines if line.startswith("alert fired")]
    assert len(fired) == 1 and "AAPL crossed above 200.00 — 200.13 at 10:31 ET" in fired[0]
    assert "failed=1" in fired[0]
    failing = [line for line in lines if line.startswith("alert channel")]
    assert len(failing) == 1 and failing[0].startswith("alert channel : #1 json FAILING")
    assert secret not in shown.stdout + shown.stderr and str(bad.port) not in shown.stdout


def test_a_bad_channel_url_stops_the_process_with_one_line_naming_it(tmp_path):
    proc = worker(
        "status",
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        ALERT_CHANNELS="json://127.0.0.1:9/ok slak://tok3nSecretValue",
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "config error: ALERT_CHANNELS: Value error, entry 2 slak://… is not a channel URL Apprise can use"
    ]


def test_an_admin_token_needs_a_secret_key_and_enough_length(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    short = worker("status", database_url=db, ADMIN_TOKEN="short", SECRET_KEY="k" * 32)
    assert short.stderr.strip().startswith("config error: ADMIN_TOKEN: Value error, use at least 16")
    assert "short" not in short.stderr.replace("python -c", "")
    keyless = worker("status", database_url=db, ADMIN_TOKEN="t" * 24)
    assert keyless.stderr.strip() == (
        "config error: SECRET_KEY: required when ADMIN_TOKEN is set (it signs the session cookie)"
    )
