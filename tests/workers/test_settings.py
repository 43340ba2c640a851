"""The queue's settings and the Yahoo base-URL session: plain checks, no services needed."""

import pytest
from pydantic import ValidationError

from stockdash.config import Settings, describe_error
from stockdash.providers import make_provider
from stockdash.providers.yahoo_session import RebasedSession, rebase


def test_yahoo_hosts_move_to_the_base_and_keep_their_host_in_the_path():
    base = "http://127.0.0.1:8765/"
    chart = "https://query2.finance.yahoo.com/v8/finance/chart/BRK-B?period1=1&period2=2&interval=1d"
    assert rebase(chart, base) == (
        "http://127.0.0.1:8765/query2.finance.yahoo.com/v8/finance/chart/BRK-B?period1=1&period2=2&interval=1d"
    )
    assert rebase("https://fc.yahoo.com", base) == "http://127.0.0.1:8765/fc.yahoo.com/"
    assert rebase("https://example.com/x", base) == "https://example.com/x"
    assert rebase("https://notyahoo.com/x", base) == "https://notyahoo.com/x"


def test_the_yahoo_provider_uses_the_rebased_session_only_when_asked():
    plain = make_provider(Settings(_env_file=None), "yahoo")
    assert plain.session is None
    moved = make_provider(Settings(_env_file=None, yahoo_base_url="http://127.0.0.1:1"), "yahoo")
    assert isinstance(moved.session, RebasedSession) and moved.session.base == "http://127.0.0.1:1"


def test_queue_settings_blank_is_unset_and_a_bad_url_is_named_without_its_value():
    assert Settings(_env_file=None, redis_url="  ").redis_url is None
    assert Settings(_env_file=None, redis_url="rediss://:pw@host:6380").redis_url == "rediss://:pw@host:6380"
    with pytest.raises(ValidationError) as bad:
        Settings(_env_file=None, redis_url="http://:secret@host")
    line = describe_error(bad.value)
    assert line.startswith("config error: REDIS_URL: ") and "secret" not in line
    with pytest.raises(ValidationError):
        Settings(_env_file=None, queue_chunk_size=0)
