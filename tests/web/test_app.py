"""App factory and server settings: no database at import, debug only on request, gunicorn.conf.py."""

from __future__ import annotations

import runpy
from pathlib import Path

from stockdash.web import create_app
from tests.web.conftest import demo_settings

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_app_builds_without_a_database():
    # Port 1 is closed: building the app must not connect (gunicorn preloads, then forks).
    app = create_app(demo_settings("postgresql+psycopg://postgres@127.0.0.1:1/none"))
    assert app.server is not None
    assert not app._dev_tools.ui


def test_dash_debug_turns_dev_tools_on():
    app = create_app(demo_settings("sqlite://", dash_debug=True))
    assert app._dev_tools.ui


def test_gunicorn_conf_reads_port_and_web_concurrency(monkeypatch):
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == "[::]:5123"
    assert conf["workers"] == 3
    assert conf["preload_app"] is True
    assert conf["accesslog"] == "-"
    assert conf["timeout"] < 30  # under Heroku's router limit


def test_gunicorn_conf_defaults(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == "[::]:8000"
    assert conf["workers"] == 2
