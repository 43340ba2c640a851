"""Screener benchmark: `python bench/screener.py`.

Fills a fresh PostgreSQL database with demo bars for the `total` universe (about 8,700 symbols;
BENCH_SYMBOLS takes the first N instead) over BENCH_YEARS years (3), then measures in one run:
  * the snapshot of one session by stockdash.stats (every symbol's RSI/ATR from its whole history,
    as a first run does) against a plain baseline: pandas and TA-Lib, one symbol's bars at a time
    (tests/screener_reference.py, the tests' independent computation), over BENCH_BASELINE symbols
    (default: all) and scaled to all when fewer; both give the same figures (checked here);
  * the daily case: one more session of bars, then its snapshot (RSI/ATR rolled on from the stored
    state), next to the same snapshot recomputed from the whole history;
  * screener queries through `gunicorn app:server` (2 workers): three filters and a sort, and each
    preset, p50/p95 over BENCH_REQUESTS (200) requests each.
The bench database is dropped at the end. BENCH_DATABASE_URL names the server (admin database).
Not a timed test: it prints figures and the targets.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stockdash import jobs, screener, stats, store  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.providers.demo import DemoProvider  # noqa: E402
from stockdash.universe import resolve, security_rows  # noqa: E402
from tests.harness import create_postgres_database, drop_postgres_database, start_gunicorn, stop_gunicorn  # noqa: E402
from tests.screener_reference import figures, sessions_to  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SYMBOLS = int(os.environ.get("BENCH_SYMBOLS", "0"))  # 0: the whole universe
YEARS = float(os.environ.get("BENCH_YEARS", "3"))
BASELINE = int(os.environ.get("BENCH_BASELINE", "0"))  # 0: every symbol
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
DAY0, DAY1 = date(2026, 11, 19), date(2026, 11, 20)
FILL_CHUNK = 400
TARGETS = {"baseline_ratio": 5.0, "snapshot_s": 30.0, "query_p95_ms": 50.0}
COMPARED = (
    "pct_1d",
    "pct_1y",
    "pct_ytd",
    "high_52w",
    "sma200",
    "rsi14",
    "atr14_pct",
    "relvol",
    "dollar_volume_20",
)


def universe() -> list[str]:
    symbols = resolve("total,sp500,etfs")
    return symbols[:SYMBOLS] if SYMBOLS else symbols


def fill(engine, symbols: list[str], *, today: date, start: date) -> int:
    """Demo bars for `symbols` from start to today, written as a pull writes them."""
    provider = DemoProvider(today=today)
    rows = 0
    for i in range(0, len(symbols), FILL_CHUNK):
        chunk = symbols[i : i + FILL_CHUNK]
        bars = provider.fetch_daily(chunk, start=start, end=today).bars
        with engine.begin() as conn:
            store.claim_dataset(conn, "demo")
            # GJP's name is 214 characters, longer than securities.name holds (a pull of the
            # total universe fails on it too): cut here so the bench measures the screener.
            secs = [{**r, "name": r["name"][:200]} for r in security_rows(sorted(set(bars["symbol"])))]
            store.upsert_securities(conn, secs)
            rows += store.upsert_bars(conn, bars)
    return rows


def timed(func):
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def ours_full(engine, as_of: date) -> stats.Snapshot:
    with engine.begin() as conn:
        snap = stats.compute(conn, as_of, full=True)
        stats.store(conn, snap)
    return snap


def baseline(engine, symbols: list[str], as_of: date) -> dict[str, dict]:
    sessions = sessions_to(as_of)
    out = {}
    with engine.connect() as conn:
        for symbol in symbols:
            row = figures(store.load_bars(conn, symbol, end=as_of), as_of, sessions)
            if row is not None:
                out[symbol] = row
    return out


def worst_difference(snap: stats.Snapshot, base: dict[str, dict]) -> float:
    """The largest relative difference between ours and the baseline over COMPARED (NaN = None)."""
    worst = 0.0
    for symbol, want in base.items():
        got = snap.frame.loc[symbol]
        for field in COMPARED:
            g, w = got[field], want[field]
            if w is None or g != g:
                if not (w is None and g != g):
                    return float("inf")
                continue
            worst = max(worst, abs(g - w) / max(abs(w), 1.0))
    return worst


def query_params() -> dict[str, list[tuple[str, str]]]:
    cases = {
        "3 filters + sort": [
            ("where", "rsi14<70"),
            ("where", "relvol>=0.5"),
            ("where", "pct_1y>-50"),
            ("sort", "-pct_1d"),
            ("limit", "50"),
        ]
    }
    for name, preset in screener.PRESETS.items():
        cases[name] = [("where", w) for w in preset.filters] + [("sort", preset.sort), ("limit", "50")]
    return cases


def latencies(url: str, params: list[tuple[str, str]], n: int) -> list[float]:
    session = requests.Session()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = session.get(url, params=params, timeout=30)
        out.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"GET {url} {params} answered {resp.status_code}: {resp.text[:300]}")
    return out


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> int:
    symbols = universe()
    start = date(DAY0.year - int(YEARS), DAY0.month, DAY0.day)
    print(f"cpus={os.cpu_count()} symbols={len(symbols)} years={YEARS:g} as_of={DAY0} next={DAY1}")
    url, name = create_postgres_database("stockdash_bench_screener", ADMIN_URL)
    engine = make_engine(url)
    server = None
    try:
        upgrade(engine)
        rows, fill_s = timed(lambda: fill(engine, symbols, today=DAY0, start=start))
        print(f"filled {name}: {rows:,} bars in {fill_s:.1f} s")

        snap, snapshot_s = timed(lambda: ours_full(engine, DAY0))
        print(
            f"snapshot {DAY0}, ours (whole history, vectorised): {snapshot_s:.2f} s "
            f"for {len(snap.frame):,} symbols"
        )
        sample = symbols if not BASELINE else symbols[:: max(1, len(symbols) // BASELINE)][:BASELINE]
        base, base_s = timed(lambda: baseline(engine, sample, DAY0))
        scaled = base_s * len(symbols) / len(sample)
        note = "" if len(sample) == len(symbols) else f" (timed on {len(sample):,} symbols, scaled)"
        print(f"snapshot {DAY0}, baseline (pandas + TA-Lib per symbol): {scaled:.2f} s{note}")
        ratio = scaled / snapshot_s
        print(
            f"  ours vs baseline: {ratio:.1f}x faster; "
            f"largest relative difference {worst_difference(snap, base):.1e}"
        )

        added, _ = timed(lambda: fill(engine, symbols, today=DAY1, start=DAY1))
        daily, daily_s = timed(lambda: jobs.compute_stats(engine, as_of=DAY1))
        assert daily.status == "ok", daily.log_line()
        print(f"daily {DAY1} (+{added:,} bars), rolled on from {DAY0}: {daily_s:.2f} s ({daily.message})")
        with engine.connect() as conn:
            _, rolled = screener.read_snapshot(conn, DAY1)
        full, full_s = timed(lambda: ours_full(engine, DAY1))
        rsi = {r["symbol"]: r["rsi14"] for r in rolled}
        gaps = [abs(rsi[s] - full.frame.at[s, "rsi14"]) for s in full.frame.index if rsi.get(s) is not None]
        print(
            f"daily {DAY1}, recomputed from whole history: {full_s:.2f} s; "
            f"rolled RSI vs full: max |diff| {max(gaps):.1e}"
        )
        ours_full(engine, DAY1)  # leave the rolled snapshot as the one served (same figures)
        jobs.compute_stats(engine, as_of=DAY1)

        log_path = Path(tempfile.gettempdir()) / f"{name}-gunicorn.log"
        server = start_gunicorn(url, log_path, "--access-logfile", "/dev/null")
        api = server.url + "/api/screener"
        worst = 0.0
        count = requests.get(api, params={"limit": "1"}, timeout=30).json()["count"]
        print(f"queries over {count:,} rows, {REQUESTS} requests each through gunicorn (2 workers):")
        for label, params in query_params().items():
            ms = latencies(api, params, REQUESTS)
            worst = max(worst, pct(ms, 95))
            print(f"  {label:<32} p50 {pct(ms, 50):6.1f} ms  p95 {pct(ms, 95):6.1f} ms")
        print(
            "targets: baseline_ratio >= {baseline_ratio:g}, snapshot_s <= {snapshot_s:g}, "
            "query_p95_ms <= {query_p95_ms:g}".format(**TARGETS)
        )
        print(
            f"screener: snapshot_s={snapshot_s:.2f} baseline_ratio={ratio:.1f} daily_s={daily_s:.2f} "
            f"query_p95_ms={worst:.1f} rows={count}"
        )
    finally:
        if server is not None:
            stop_gunicorn(server)
        engine.dispose()
        drop_postgres_database(name, ADMIN_URL)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
