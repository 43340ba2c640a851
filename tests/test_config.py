import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from stockdash.config import Settings, describe_error, parse_window
from stockdash.db import migration_urls
from stockdash.deployment import decide

ROOT = Path(__file__).resolve().parent.parent


def test_heroku_postgres_scheme_is_accepted():
    s = Settings(_env_file=None, database_url="postgres://u:p@host:5432/db")
    assert s.database_url == "postgresql+psycopg://u:p@host:5432/db"


def test_demo_and_real_data_default_to_different_sqlite_files():
    assert decide(Settings(_env_file=None, provider="demo"))[1].endswith("var/demo.db")
    assert decide(Settings(_env_file=None, provider="yahoo"))[1].endswith("var/stockdash.db")


def test_migrations_pick_their_databases_without_asking_the_provider(monkeypatch):
    from stockdash import deployment

    monkeypatch.setattr(deployment, "yahoo_reachable", lambda _: pytest.fail("the provider was asked"))
    auto = migration_urls(Settings(_env_file=None, provider="auto"))
    assert [u.rsplit("/", 1)[1] for u in auto] == ["demo.db", "stockdash.db"]
    given = Settings(_env_file=None, provider="auto", database_url="postgresql://u@h/db")
    assert migration_urls(given) == ["postgresql+psycopg://u@h/db"]


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [
        ("keepalive_minutes", 45, "KEEPALIVE_MINUTES"),
        ("provider", "bloomberg", "PROVIDER"),
        ("downtime", "2am-7am", "DOWNTIME"),
        ("history_years", 0, "HISTORY_YEARS"),
    ],
)
def test_bad_value_names_the_variable(field, value, name):
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, **{field: value})
    line = describe_error(info.value)
    assert line.startswith(f"config error: {name}:")
    assert "\n" not in line


@pytest.mark.parametrize("url", ["mysql://u:secret@h/db", "not a url"])
def test_bad_database_url_is_named_without_echoing_it(url):
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, database_url=url)
    line = describe_error(info.value)
    assert line.startswith("config error: DATABASE_URL:") and "secret" not in line


def test_universe_is_checked_at_start():
    assert Settings(_env_file=None, universe="sp500, brk.b").universe == "sp500, brk.b"
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, universe="sp500,BAD SYM")
    assert describe_error(info.value).startswith("config error: UNIVERSE:")


def test_downtime_must_leave_room_for_pings():
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None, downtime="00:00-23:50")
    assert describe_error(info.value).startswith("config error: DOWNTIME: Value error, leaves no time")
    assert Settings(_env_file=None, downtime="00:00-23:40").downtime_window


def test_downtime_window_may_wrap_midnight():
    start, end = parse_window("22:00-03:30")
    assert (start.hour, end.hour, end.minute) == (22, 3, 30)
    assert parse_window("off") is None


def test_process_stops_with_one_line_on_bad_config(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "KEEPALIVE_MINUTES": "forty",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    proc = subprocess.run(
        [sys.executable, "worker.py", "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("config error: KEEPALIVE_MINUTES:")
    assert not (tmp_path / "x.db").exists()
