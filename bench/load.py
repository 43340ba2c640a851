"""Load benchmark: `python bench/load.py`.

Fills a fresh PostgreSQL database with 10 years of demo bars for the universe (S&P 500 + ETFs)
through the real pull job (as bench/web.py does), starts `gunicorn app:server` with 2 workers
(gunicorn.conf.py), then sends LOAD_SECONDS (60) of mixed traffic at LOAD_CONCURRENCY (50):
the page, its layout, the chart callback and the movers callback (POST /_dash-update-component
as the browser sends them), history as JSON and CSV, and /healthz. Prints requests/s,
p50/p95/p99 per kind, errors, and the RSS of master + workers at the start and the end.
A LOAD_WARM_SECONDS (10) run of the same mix comes first and is not counted. LOAD_DATABASE_URL
reuses an already filled database (not dropped). Not a timed test.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web import ADMIN_URL, fill, memory_mb  # noqa: E402
from stockdash.universe import load_group  # noqa: E402
from tests import harness  # noqa: E402

SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
WARM_SECONDS = float(os.environ.get("LOAD_WARM_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "50"))
REUSE_URL = os.environ.get("LOAD_DATABASE_URL")
TARGETS = {"errors": 0, "healthz_p95_ms": 100.0, "chart_p95_ms": 1000.0, "rss_growth_pct": 10.0}

# Share of requests per kind: mostly charts (what a visitor does), health checks from monitors.
MIX = {
    "chart": 35,
    "healthz": 15,
    "movers": 10,
    "history_json": 10,
    "history_csv": 10,
    "page": 10,
    "layout": 10,
}
PERIODS = ["1M", "6M", "1Y", "1Y", "5Y", "Max"]
HISTORY_STARTS = ["2016-01-01", "2021-06-01", "2025-01-01", ""]


def build_request(kind: str, rng: random.Random, symbols: list[str]) -> tuple[str, str, dict | None]:
    """(method, path, JSON body) of one request of `kind`."""
    symbol = rng.choice(symbols)
    if kind == "chart":
        return "POST", "/_dash-update-component", harness.chart_payload(symbol, rng.choice(PERIODS))
    if kind == "movers":
        horizon, group = rng.choice(["1d", "1w", "1m", "1y"]), rng.choice(["sp500", "etfs", "all"])
        return "POST", "/_dash-update-component", harness.movers_payload(horizon, group)
    if kind in ("history_json", "history_csv"):
        fmt = "csv" if kind == "history_csv" else "json"
        return "GET", f"/api/history/{symbol}?start={rng.choice(HISTORY_STARTS)}&format={fmt}", None
    return "GET", {"healthz": "/healthz", "page": f"/?symbol={symbol}", "layout": "/_dash-layout"}[kind], None


def answered_well(kind: str, resp: requests.Response) -> bool:
    """A 200, and for the chart a drawn price trace (a 'database not answering' message is an error)."""
    if resp.status_code != 200:
        return False
    if kind == "chart":
        return bool(resp.json()["response"]["price-chart"]["figure"]["data"])
    return True


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self._lock = threading.Lock()

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self._lock:
            self.latencies[kind].append(ms)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{kind}: {detail[:200]}")


def client(base: str, stop_at: float, seed: int, symbols: list[str], rec: Recorder) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    session = requests.Session()
    while time.monotonic() < stop_at:
        kind = rng.choices(kinds, weights)[0]
        method, path, body = build_request(kind, rng, symbols)
        started = time.perf_counter()
        try:
            resp = session.request(method, base + path, json=body, timeout=30)
            ok, detail = answered_well(kind, resp), f"{resp.status_code} {resp.text[:150]}"
        except (requests.RequestException, ValueError, KeyError) as exc:
            ok, detail = False, repr(exc)
        rec.add(kind, (time.perf_counter() - started) * 1000, ok, detail)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run_load(base: str, symbols: list[str], seconds: float) -> tuple[Recorder, float]:
    rec = Recorder()
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(base, stop_at, seed, symbols, rec))
        for seed in range(CONCURRENCY)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return rec, time.monotonic() - started


def report(rec: Recorder, elapsed: float, rss_start: float, rss_end: float, workers: int) -> str:
    total = sum(len(v) for v in rec.latencies.values())
    errors = sum(rec.errors.values())
    rate = total / elapsed
    print(f"\n{CONCURRENCY} clients, {elapsed:.0f} s: {total} requests, {rate:.1f} req/s, {errors} errors")
    print(f"{'kind':14} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind in MIX:
        count = len(rec.latencies.get(kind, []))
        values = rec.latencies.get(kind) or [0.0]
        print(
            f"{kind:14} {count:6d} {count / elapsed:7.1f} {pct(values, 50):8.1f} {pct(values, 95):8.1f}"
            f" {pct(values, 99):8.1f} {rec.errors.get(kind, 0):7d}"
        )
    for sample in rec.samples:
        print(f"  error sample: {sample}")
    growth = (rss_end - rss_start) / rss_start * 100
    print(f"RSS master + {workers} workers: start {rss_start:.0f} MB, end {rss_end:.0f} MB ({growth:+.1f} %)")
    figures = {
        "errors": errors,
        "healthz_p95_ms": pct(rec.latencies["healthz"], 95),
        "chart_p95_ms": pct(rec.latencies["chart"], 95),
        "rss_growth_pct": growth,
    }
    print()
    for name, target in TARGETS.items():
        verdict = "ok" if figures[name] <= target else "MISSED"
        print(f"target {name:15} <= {target:7.1f}: {figures[name]:8.1f}  {verdict}")
    return (
        f"load: errors={errors} healthz_p95_ms={figures['healthz_p95_ms']:.0f}"
        f" chart_p95_ms={figures['chart_p95_ms']:.0f} rss_growth_pct={growth:.1f}"
    )


def main() -> int:
    print(f"cpus={os.cpu_count()} concurrency={CONCURRENCY} seconds={SECONDS:.0f} mix={MIX}")
    if REUSE_URL:
        url, name = REUSE_URL, None
    else:
        url, name = harness.create_postgres_database("stockdash_bench", ADMIN_URL)
    server = None
    try:
        if name:
            rows, fill_s = fill(url)
            print(f"filled {name}: {rows:,} bars (sp500+etfs, 10 years) in {fill_s:.1f} s")
        log_path = Path(tempfile.gettempdir()) / f"stockdash-load-{os.getpid()}-gunicorn.log"
        server = harness.start_gunicorn(url, log_path, "--access-logfile", "/dev/null")
        base = server.url
        symbols = list(load_group("sp500")["symbol"]) + list(load_group("etfs")["symbol"])[:20]
        # The same mix for WARM_SECONDS first: imports, pools, caches and the allocator's working
        # set at full concurrency, so the RSS growth that follows is what the load itself adds.
        run_load(base, symbols, WARM_SECONDS)
        rss_start, _, workers = memory_mb(server.proc.pid)
        rec, elapsed = run_load(base, symbols, SECONDS)
        rss_end, _, workers = memory_mb(server.proc.pid)
        last = report(rec, elapsed, rss_start, rss_end, workers)
    finally:
        if server is not None:
            harness.stop_gunicorn(server)
        if name:
            harness.drop_postgres_database(name, ADMIN_URL)
            print(f"dropped {name}")
    print(last)
    return 0


if __name__ == "__main__":
    sys.exit(main())
