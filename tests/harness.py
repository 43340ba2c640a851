"""What the tests and the benchmarks both need: a real gunicorn, throwaway PostgreSQL databases,
and Dash callback requests shaped as the browser sends them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
# Debian's Chromium and its driver: a browser downloaded by selenium cannot work here.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

CHART_OUTPUTS = [
    ("price-chart", "figure"),
    ("quote", "children"),
    ("chart-notice", "children"),
    ("download-csv", "href"),
    ("fetch-poll", "disabled"),
]
MOVERS_OUTPUTS = [
    ("movers-as-of", "children"),
    ("movers-notice", "children"),
    ("movers-body", "children"),
]


def dash_payload(
    outputs: list[tuple[str, str]],
    inputs: list[tuple[str, str, object]],
    state: tuple[tuple[str, str, object], ...] | list[tuple[str, str, object]] = (),
) -> dict:
    """What the Dash renderer POSTs to /_dash-update-component (one output, or several)."""
    many = len(outputs) > 1
    specs = [{"id": i, "property": p} for i, p in outputs]
    return {
        "output": (".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..")
        if many
        else "{}.{}".format(*outputs[0]),
        "outputs": specs if many else specs[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
    }


def chart_payload(symbol: str, period: str = "1Y", **view) -> dict:
    view = {"symbol": symbol, "compare": [], "period": period, "start": None, "end": None, **view}
    inputs = [
        ("view", "data", view),
        ("chart-type", "value", "candles"),
        ("overlays", "value", ["sma50", "sma200"]),
        ("fetch-poll", "n_intervals", None),
    ]
    return dash_payload(CHART_OUTPUTS, inputs, [("viewport", "data", None)])


def movers_payload(horizon: str = "1d", group: str = "sp500") -> dict:
    return dash_payload(
        MOVERS_OUTPUTS,
        [
            ("movers-horizon", "value", horizon),
            ("movers-group", "value", group),
            ("viewport", "data", {"narrow": False}),
        ],
    )


def create_postgres_database(
    prefix: str = "stockdash_test", admin_url: str = POSTGRES_ADMIN_URL
) -> tuple[str, str]:
    """A new empty database: (url, name)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(name: str, admin_url: str = POSTGRES_ADMIN_URL) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def wait_for(condition, timeout: float = 15.0, what: str = "condition", *, interval: float = 0.05):
    """`condition()`'s first truthy value, asked every `interval` s for up to `timeout` s: tests wait
    for what they need, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def moment_env() -> dict[str, str]:
    """What carries the any-hour run's moment (tests/anyhour.sh) into a child started with a clean
    environment: the moment and the folder of its sitecustomize. Empty on an ordinary run."""
    keys = ("STOCKDASH_TEST_NOW", "STOCKDASH_TEST_NOW_SINCE", "PYTHONPATH")
    return {k: os.environ[k] for k in keys if os.environ.get("STOCKDASH_TEST_NOW") and k in os.environ}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_gunicorn(
    database_url: str,
    log_path: Path,
    *args: str,
    target: str = "app:server",
    wait: float = 30,
    **env_extra: str,
) -> Server:
    """`gunicorn app:server` (or `target`) with gunicorn.conf.py on a free port; returns once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PROVIDER": "demo",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "DASH_DEBUG": "0",
        **env_extra,
    }
    with open(log_path, "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", target, *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log_path)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{server.output()}")
        try:
            requests.get(server.url + "/healthz", timeout=1)
            return server
        except (requests.ConnectionError, requests.Timeout):  # a busy machine may take a second
            time.sleep(0.1)
    stop_gunicorn(server)
    raise RuntimeError(f"gunicorn did not answer within {wait:.0f} s:\n{server.output()}")


def stop_gunicorn(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()


def chromium(profile: str, *, performance_log: bool = False):
    """Headless Debian Chromium on a fresh profile, flags that keep it off the network."""
    os.environ.setdefault("SE_AVOID_STATS", "true")  # selenium's manager would try the internet
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1440,1900",
    ):
        opts.add_argument(arg)
    if performance_log:
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
