"""One way in per process: the provider and the database are decided once, at start, and with
PROVIDER=auto and no DATABASE_URL every process of a deployment opens the same file."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from stockdash import deployment, jobs
from stockdash.config import Settings
from stockdash.providers.demo import DemoProvider
from tests.clock.test_process import Clock
from tests.harness import free_port, start_gunicorn, stop_gunicorn


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802  (the name http.server calls)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def yahoo_up() -> Iterator[str]:
    """A local stand-in for Yahoo that answers every request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def yahoo_down() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def auto(tmp_path: Path, base: str, **extra) -> Settings:
    return Settings(_env_file=None, provider="auto", var_dir=tmp_path, yahoo_base_url=base, **extra)


def test_auto_without_a_database_url_follows_the_probe_then_keeps_the_first_answer(
    tmp_path, yahoo_up, yahoo_down
):
    assert deployment.decide(auto(tmp_path, yahoo_up)) == ("yahoo", f"sqlite:///{tmp_path / 'stockdash.db'}")
    assert (tmp_path / "auto-provider").read_text() == "yahoo\n"
    # Yahoo gone for the next process: it still opens the first one's file.
    assert deployment.decide(auto(tmp_path, yahoo_down))[0] == "yahoo"
    other = tmp_path / "other"
    assert deployment.decide(auto(other, yahoo_down)) == ("demo", f"sqlite:///{other / 'demo.db'}")


def test_a_bad_recorded_choice_is_decided_again(tmp_path, yahoo_down):
    (tmp_path / "auto-provider").write_text("bloomberg\n")
    assert deployment.decide(auto(tmp_path, yahoo_down))[0] == "demo"
    assert (tmp_path / "auto-provider").read_text() == "demo\n"


def test_auto_keeps_to_the_provider_a_database_holds(engine, database_url, tmp_path, yahoo_up):
    settings = auto(tmp_path, yahoo_up, database_url=database_url, history_years=1)
    assert deployment.decide(settings) == ("yahoo", database_url)  # empty database: Yahoo answers
    day = date(2026, 11, 20)
    jobs.pull(engine, DemoProvider(today=day), settings, symbols=["AAPL"], today=day)
    assert deployment.decide(settings) == ("demo", database_url)  # holds demo data: stays demo
    assert not (tmp_path / "auto-provider").exists()  # a configured database needs no record


def test_a_process_decides_once(tmp_path, yahoo_up, yahoo_down):
    first = deployment.resolve(auto(tmp_path, yahoo_up))
    (tmp_path / "auto-provider").unlink()
    again = deployment.resolve(auto(tmp_path, yahoo_up, universe="AAPL"))  # other settings, same decision
    assert (again.provider_name, again.database_url) == (first.provider_name, first.database_url)
    assert not (tmp_path / "auto-provider").exists()  # nothing asked again


def _env(var_dir: Path, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("APP_URL", "PYTHONWARNINGS", "DATABASE_URL")}
    env.update(PROVIDER="auto", VAR_DIR=str(var_dir), YAHOO_BASE_URL=base, LOG_LEVEL="INFO", UNIVERSE="AAPL")
    return env


@pytest.mark.slow
@pytest.mark.parametrize("first", ["web", "clock"])
def test_web_and_clock_open_one_database_whichever_probe_answered(tmp_path, yahoo_up, yahoo_down, first):
    """Yahoo answers the first process to start and not the second (or the other way round): both open
    the first one's database."""
    var_dir = tmp_path / "var"
    up_first = first == "web"  # both orders of up and down, both orders of processes
    bases = {first: yahoo_up if up_first else yahoo_down}
    bases["clock" if first == "web" else "web"] = yahoo_down if up_first else yahoo_up
    expected = f"sqlite:///{var_dir / ('stockdash.db' if up_first else 'demo.db')}"
    line = f"provider={'yahoo' if up_first else 'demo'} database={expected}"

    def start_web():
        return start_gunicorn(
            "", tmp_path / "web.log", PROVIDER="auto", VAR_DIR=str(var_dir), YAHOO_BASE_URL=bases["web"]
        )

    clock = web = None
    try:
        if first == "web":
            web = start_web()
            clock = Clock(_env(var_dir, bases["clock"]), tmp_path / "clock.log")
        else:
            clock = Clock(_env(var_dir, bases["clock"]), tmp_path / "clock.log")
            clock.wait_log("clock starting")
            web = start_web()
        clock.wait_log("clock starting")
        assert line in web.output(), web.output()
        assert f"clock starting: {line}" in clock.text()
    finally:
        if clock is not None:
            clock.terminate()
        if web is not None:
            stop_gunicorn(web)
    assert (var_dir / "auto-provider").read_text().strip() == ("yahoo" if up_first else "demo")
