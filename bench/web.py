"""Web benchmark: `python bench/web.py`.

Fills a fresh PostgreSQL database with 10 years of demo bars for the universe (S&P 500 + ETFs)
through the real pull job, starts `gunicorn app:server` with 2 workers (gunicorn.conf.py),
then measures in one run, side by side:
  * p50/p95 latency of the chart callback and the movers callback (POST /_dash-update-component
    with the payloads the browser sends) next to /healthz,
  * requests/s of the chart callback at concurrency 10,
  * total RSS (and PSS) of the gunicorn master + workers.
The bench database is dropped at the end. BENCH_DATABASE_URL names the server (admin database).
Not a timed test: it prints figures and the targets.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stockdash import jobs  # noqa: E402
from stockdash.config import Settings  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.providers.demo import DemoProvider  # noqa: E402
from stockdash.universe import load_group  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
CONCURRENCY = 10
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
TARGETS = {"chart_p50_ms": 30.0, "chart_p95_ms": 80.0, "rss_mb": 512.0}

CHART_OUTPUTS = [
    ("price-chart", "figure"),
    ("quote", "children"),
    ("chart-notice", "children"),
    ("download-csv", "href"),
]
MOVERS_OUTPUTS = [
    ("gainers", "rowData"),
    ("losers", "rowData"),
    ("movers-as-of", "children"),
    ("movers-notice", "children"),
    ("sector-treemap", "figure"),
]


def dash_payload(outputs, inputs) -> dict:
    """What the Dash renderer POSTs to /_dash-update-component for a multi-output callback."""
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [],
    }


def chart_payload(symbol: str, period: str = "1Y") -> dict:
    view = {"symbol": symbol, "compare": [], "period": period, "start": None, "end": None}
    return dash_payload(
        CHART_OUTPUTS,
        [
            ("view", "data", view),
            ("chart-type", "value", "candles"),
            ("overlays", "value", ["sma50", "sma200"]),
        ],
    )


def movers_payload(horizon: str = "1d", group: str = "sp500") -> dict:
    return dash_payload(
        MOVERS_OUTPUTS, [("movers-horizon", "value", horizon), ("movers-group", "value", group)]
    )


# --- database ----------------------------------------------------------------------------------


def create_bench_db() -> tuple[str, str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"stockdash_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False), name


def drop_bench_db(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fill(url: str) -> tuple[int, float]:
    settings = Settings(
        _env_file=None, database_url=url, provider="demo", universe="sp500,etfs", history_years=10
    )
    engine = make_engine(url)
    started = time.perf_counter()
    upgrade(engine)
    pulled = jobs.pull(engine, DemoProvider(), settings, progress=False)
    jobs.movers(engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    return pulled.rows_written, seconds


# --- server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PROVIDER": "demo", "PORT": str(port), "WEB_CONCURRENCY": "2"}
    env.pop("DASH_DEBUG", None)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "app:server", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except (requests.ConnectionError, requests.Timeout):  # a busy machine may take a second
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"gunicorn did not start; see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def memory_mb(master: int) -> tuple[float, float, int]:
    """(RSS, PSS) in MB summed over master + workers, and the worker count."""
    pids = [master] + [
        int(p)
        for p in subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    ]
    rss = pss = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == "Rss":
                rss += int(rest.split()[0])
            elif key == "Pss":
                pss += int(rest.split()[0])
    return rss / 1024, pss / 1024, len(pids) - 1


# --- measuring ---------------------------------------------------------------------------------


def latencies(session: requests.Session, method: str, url: str, payloads, n: int) -> list[float]:
    out = []
    for i in range(n):
        body = payloads[i % len(payloads)] if payloads else None
        t0 = time.perf_counter()
        resp = session.request(method, url, json=body, timeout=30)
        out.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{method} {url} answered {resp.status_code}: {resp.text[:300]}")
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def throughput(url: str, payloads: list, seconds: float, method: str = "POST") -> tuple[float, int, int]:
    """Requests/s at CONCURRENCY for `seconds` (payloads cycle; None = no body)."""
    stop_at = time.monotonic() + seconds
    counts, errors = [0] * CONCURRENCY, [0] * CONCURRENCY
    local = threading.local()

    def worker(k: int) -> None:
        session = local.__dict__.setdefault("s", requests.Session())
        i = k
        while time.monotonic() < stop_at:
            resp = session.request(method, url, json=payloads[i % len(payloads)], timeout=30)
            i += CONCURRENCY
            if resp.status_code == 200:
                counts[k] += 1
            else:
                errors[k] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(worker, range(CONCURRENCY)))
    elapsed = time.monotonic() - started
    return sum(counts) / elapsed, sum(counts), sum(errors)


def main() -> int:
    print(f"cpus={os.cpu_count()} samples={SAMPLES} concurrency={CONCURRENCY}")
    url, name = create_bench_db()
    proc = None
    try:
        rows, fill_s = fill(url)
        print(f"filled {name}: {rows:,} bars (sp500+etfs, 10 years) in {fill_s:.1f} s")
        log_path = Path(tempfile.gettempdir()) / f"{name}-gunicorn.log"
        proc, base = start_gunicorn(url, log_path)
        dash_url = base + "/_dash-update-component"
        symbols = list(load_group("sp500")["symbol"])[:100]
        rotating = [chart_payload(s) for s in symbols]
        session = requests.Session()
        # Warm both workers (imports, first queries, pools) before measuring.
        latencies(session, "POST", dash_url, rotating[:20], 40)
        latencies(session, "POST", dash_url, [movers_payload()], 10)
        rss_idle, pss_idle, workers = memory_mb(proc.pid)

        results = {
            "/healthz": latencies(session, "GET", base + "/healthz", None, SAMPLES),
            "chart callback (1Y, one symbol)": latencies(
                session, "POST", dash_url, [chart_payload("MSFT")], SAMPLES
            ),
            "chart callback (1Y, 100 symbols)": latencies(session, "POST", dash_url, rotating, SAMPLES),
            "chart callback (Max, 10 years)": latencies(
                session,
                "POST",
                dash_url,
                [chart_payload(s, "Max") for s in symbols[:20]],
                max(40, SAMPLES // 5),
            ),
            "movers callback (1d, S&P 500)": latencies(
                session, "POST", dash_url, [movers_payload()], SAMPLES
            ),
            "movers callback (rotating)": latencies(
                session,
                "POST",
                dash_url,
                [movers_payload(h, g) for h in ("1d", "1w", "1m", "1y") for g in ("sp500", "etfs", "all")],
                SAMPLES,
            ),
        }
        rps, done, errors = throughput(dash_url, rotating, LOAD_SECONDS)
        hz_rps, _, hz_errors = throughput(base + "/healthz", [None], LOAD_SECONDS / 2, "GET")
        rss, pss, workers = memory_mb(proc.pid)

        print()
        print(f"{'request':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for label, values in results.items():
            print(f"{label:36} {pct(values, 50):8.1f} {pct(values, 95):8.1f} {max(values):8.1f}")
        hz = pct(results["/healthz"], 50)
        chart = results["chart callback (1Y, 100 symbols)"]
        print()
        print(f"chart p50 / healthz p50 = {pct(chart, 50) / hz:.1f}x")
        print(
            f"chart callback at concurrency {CONCURRENCY}: {rps:.1f} req/s "
            f"({done} ok, {errors} errors, {LOAD_SECONDS:.0f} s)"
        )
        print(f"/healthz at concurrency {CONCURRENCY}: {hz_rps:.1f} req/s ({hz_errors} errors)")
        print(
            f"memory, master + {workers} workers: RSS {rss:.0f} MB (idle {rss_idle:.0f} MB), "
            f"PSS {pss:.0f} MB (shared pages counted once)"
        )
        print()
        checks = [
            ("chart p50", pct(chart, 50), TARGETS["chart_p50_ms"], "ms"),
            ("chart p95", pct(chart, 95), TARGETS["chart_p95_ms"], "ms"),
            ("total RSS", rss, TARGETS["rss_mb"], "MB"),
        ]
        for label, value, target, unit in checks:
            verdict = "ok" if value <= target else "MISSED"
            print(f"target {label:10} <= {target:5.0f} {unit}: {value:7.1f} {unit}  {verdict}")
        return 0
    finally:
        if proc is not None:
            stop(proc)
        drop_bench_db(name)
        print(f"dropped {name}")


if __name__ == "__main__":
    sys.exit(main())
