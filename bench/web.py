"""Web benchmark: `python bench/web.py`.

Fills a fresh PostgreSQL database with 10 years of demo bars for the universe (S&P 500 + ETFs)
through the real pull job, starts `gunicorn app:server` with 2 workers (gunicorn.conf.py),
then measures in one run, side by side:
  * p50/p95 latency of the chart callback and the movers callback (POST /_dash-update-component
    with the payloads the browser sends) next to /healthz,
  * requests/s of the chart callback at concurrency 10,
  * total RSS (and PSS) of the gunicorn master + workers,
  * the chart callback over 10 years of daily bars (Max) with every overlay and indicator on
    against the same chart with none, interleaved, ending with the line
    `indicators: bare_p50_ms=A all_p50_ms=B ratio=X` (target ratio <= 1.5).
`python bench/web.py --indicators` fills 20 symbols only and measures that last comparison alone.
The bench database is dropped at the end. BENCH_DATABASE_URL names the server (admin database).
Not a timed test: it prints figures and the targets.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stockdash import jobs  # noqa: E402
from stockdash.config import Settings  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.providers.demo import DemoProvider  # noqa: E402
from stockdash.universe import load_group  # noqa: E402
from tests.harness import (  # noqa: E402
    CHART_OUTPUTS,
    chart_payload,
    create_postgres_database,
    dash_payload,
    drop_postgres_database,
    movers_payload,
    start_gunicorn,
    stop_gunicorn,
)

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
CONCURRENCY = 10
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
TARGETS = {"chart_p50_ms": 30.0, "chart_p95_ms": 80.0, "rss_mb": 512.0, "indicators_ratio": 1.5}
EVERY_OVERLAY = ["sma20", "sma50", "sma200", "band"]
EVERY_INDICATOR = ["ema20", "ema50", "ema200", "bb20", "rsi14", "macd", "atr14", "actions"]

# --- database ----------------------------------------------------------------------------------


def fill(url: str, universe: str = "sp500,etfs") -> tuple[int, float]:
    settings = Settings(
        _env_file=None, database_url=url, provider="demo", universe=universe, history_years=10
    )
    engine = make_engine(url)
    started = time.perf_counter()
    upgrade(engine)
    pulled = jobs.pull(engine, DemoProvider(), settings, progress=False)
    jobs.compute_movers(engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    return pulled.rows_written, seconds


# --- server ------------------------------------------------------------------------------------


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


def movers_by_horizon(session: requests.Session, dash_url: str) -> list[str]:
    """One line per horizon: the movers callback's first answer after the page's 1d, then p50/p95.

    A visitor's first click on 1w, 1m or 1y used to compute that horizon's sector map (2-3.6 s on
    a busy machine against 0.3 s for the 1d the page had loaded); it must cost what 1d costs.
    """
    out, base = [], None
    for horizon in ("1d", "1w", "1m", "1y"):
        payload = [movers_payload(horizon, "sp500")]
        first = latencies(session, "POST", dash_url, payload, 1)[0]
        values = latencies(session, "POST", dash_url, payload, max(20, SAMPLES // 4))
        base = base or pct(values, 50)
        out.append(
            f"movers {horizon} (S&P 500): first {first:6.1f} ms, p50 {pct(values, 50):6.1f} ms, "
            f"p95 {pct(values, 95):6.1f} ms, p50 / 1d p50 = {pct(values, 50) / base:.2f}x"
        )
    return out


def analysis_payload(symbol: str, *, every: bool) -> dict:
    """The chart callback's request for 10 years (Max) of `symbol`: every overlay and indicator, or none."""
    overlays, indicators = (EVERY_OVERLAY, EVERY_INDICATOR) if every else ([], [])
    view = {"symbol": symbol, "compare": [], "period": "Max", "start": None, "end": None}
    view |= {"overlays": overlays, "indicators": indicators, "interval": None, "basis": "price"}
    inputs = [
        ("view", "data", view),
        ("chart-type", "value", "candles"),
        ("overlays", "value", overlays),
        ("fetch-poll", "n_intervals", None),
    ]
    return dash_payload(CHART_OUTPUTS, inputs, [("viewport", "data", None)])


def indicators_line(session: requests.Session, dash_url: str, symbols: list[str], samples: int) -> str:
    """p50 of the bare and the fully loaded 10-year chart, measured interleaved in one run."""
    bare, full = [], []
    for i in range(samples):
        symbol = symbols[i % len(symbols)]
        bare += latencies(session, "POST", dash_url, [analysis_payload(symbol, every=False)], 1)
        full += latencies(session, "POST", dash_url, [analysis_payload(symbol, every=True)], 1)
    a, b = pct(bare, 50), pct(full, 50)
    print(f"{'chart, 10 years, no indicators':36} {a:8.1f} {pct(bare, 95):8.1f} {max(bare):8.1f}")
    print(f"{'chart, 10 years, every indicator':36} {b:8.1f} {pct(full, 95):8.1f} {max(full):8.1f}")
    return f"indicators: bare_p50_ms={a:.1f} all_p50_ms={b:.1f} ratio={b / a:.2f}"


def indicators_only() -> int:
    """Only the indicators comparison, on 20 symbols: a short run on a shared machine."""
    url, name = create_postgres_database("stockdash_bench", ADMIN_URL)
    server = None
    symbols = list(load_group("sp500")["symbol"])[:20]
    try:
        rows, fill_s = fill(url, ",".join(symbols))
        print(f"filled {name}: {rows:,} bars ({len(symbols)} symbols, 10 years) in {fill_s:.1f} s")
        server = start_gunicorn(
            url, Path(tempfile.gettempdir()) / f"{name}-gunicorn.log", "--access-logfile", "/dev/null"
        )
        dash_url = server.url + "/_dash-update-component"
        session = requests.Session()
        for symbol in symbols:  # warm both workers
            latencies(session, "POST", dash_url, [analysis_payload(symbol, every=True)] * 2, 2)
        print(f"\n{'request':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        line = indicators_line(session, dash_url, symbols, max(40, SAMPLES // 3))
        print()
        print(line)
        return 0
    finally:
        if server is not None:
            stop_gunicorn(server)
        drop_postgres_database(name, ADMIN_URL)
        print(f"dropped {name}")


def main() -> int:
    if "--indicators" in sys.argv[1:]:
        return indicators_only()
    print(f"cpus={os.cpu_count()} samples={SAMPLES} concurrency={CONCURRENCY}")
    url, name = create_postgres_database("stockdash_bench", ADMIN_URL)
    server = None
    try:
        rows, fill_s = fill(url)
        print(f"filled {name}: {rows:,} bars (sp500+etfs, 10 years) in {fill_s:.1f} s")
        log_path = Path(tempfile.gettempdir()) / f"{name}-gunicorn.log"
        server = start_gunicorn(url, log_path, "--access-logfile", "/dev/null")
        base = server.url
        dash_url = base + "/_dash-update-component"
        symbols = list(load_group("sp500")["symbol"])[:100]
        rotating = [chart_payload(s) for s in symbols]
        session = requests.Session()
        # Warm both workers (imports, first queries, pools) before measuring.
        latencies(session, "POST", dash_url, rotating[:20], 40)
        latencies(session, "POST", dash_url, [movers_payload()], 10)
        rss_idle, pss_idle, workers = memory_mb(server.proc.pid)
        horizon_lines = movers_by_horizon(session, dash_url)

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
        rss, pss, workers = memory_mb(server.proc.pid)

        print()
        print(f"{'request':36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for label, values in results.items():
            print(f"{label:36} {pct(values, 50):8.1f} {pct(values, 95):8.1f} {max(values):8.1f}")
        print()
        print("\n".join(horizon_lines))
        hz = pct(results["/healthz"], 50)
        chart = results["chart callback (1Y, 100 symbols)"]
        line = indicators_line(session, dash_url, symbols[:20], max(40, SAMPLES // 3))
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
        print(line)
        return 0
    finally:
        if server is not None:
            stop_gunicorn(server)
        drop_postgres_database(name, ADMIN_URL)
        print(f"dropped {name}")


if __name__ == "__main__":
    sys.exit(main())
