"""Live benchmark: `python bench/live.py`.

A fresh PostgreSQL database, the clock's live ingest in this process walking 50 symbols in demo
(one frame per symbol per second, written about once a second), and `gunicorn app:server` with
2 workers (gunicorn.conf.py). N simulated viewers (asyncio + aiohttp) each ask what the browser
will ask, `GET /api/quotes?symbols=<10 of the 50>` every 1-2 s. For N = 100 and N = 500, side by
side: staleness (a frame's arrival at the ingest to a viewer holding it) p50/p95, requests/s,
errors, database transactions/s (pg_stat_database, with the ingest's own measured alone first)
and gunicorn CPU. The bench database is dropped at the end. Not a timed test.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stockdash.config import Settings  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.live.service import LiveIngest  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.universe import load_group  # noqa: E402
from tests.harness import create_postgres_database, drop_postgres_database, start_gunicorn, stop_gunicorn  # noqa: E402

SYMBOLS = 50
PHASE_SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", "30"))
WARM_SECONDS = 5.0
VIEWER_COUNTS = (100, 500)
TARGET_P95_S = 3.0


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else float("nan")


def db_transactions(engine, name: str) -> int:
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        return int(
            conn.execute(
                text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :n"),
                {"n": name},
            ).scalar()
        )


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / os.sysconf("SC_CLK_TCK")


def gunicorn_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


async def viewer(session, base: str, symbols: list[str], until: float, stats: dict) -> None:
    rng = random.Random()
    mine = rng.sample(symbols, 10)
    url = f"{base}/api/quotes?symbols={','.join(mine)}"
    seen: dict[str, str] = {}
    await asyncio.sleep(rng.uniform(0, 1.5))
    while time.monotonic() < until:
        try:
            async with session.get(url) as response:
                body = await response.json()
                ok = response.status == 200
        except (aiohttp.ClientError, TimeoutError, ValueError):
            ok = False
        stats["requests"] += 1
        if not ok:
            stats["errors"] += 1
        else:
            now = datetime.now(UTC)
            for quote in body["quotes"]:
                if seen.get(quote["symbol"]) != quote["time"]:
                    seen[quote["symbol"]] = quote["time"]
                    held = datetime.fromisoformat(quote["time"].replace("Z", "+00:00"))
                    stats["staleness"].append((now - held).total_seconds())
        await asyncio.sleep(rng.uniform(1.0, 2.0))


async def run_viewers(base: str, symbols: list[str], n: int, seconds: float) -> dict:
    stats = {"requests": 0, "errors": 0, "staleness": []}
    timeout = aiohttp.ClientTimeout(total=10)
    connector = aiohttp.TCPConnector(limit=n)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        until = time.monotonic() + seconds
        await asyncio.gather(*(viewer(session, base, symbols, until, stats) for _ in range(n)))
    return stats


def measure(base: str, symbols: list[str], n: int, engine, name: str, pids: list[int]) -> dict:
    asyncio.run(run_viewers(base, symbols, n, WARM_SECONDS))  # connections open, caches warm
    tx0, cpu0, t0 = db_transactions(engine, name), cpu_seconds(pids), time.monotonic()
    stats = asyncio.run(run_viewers(base, symbols, n, PHASE_SECONDS))
    seconds = time.monotonic() - t0
    tx1, cpu1 = db_transactions(engine, name), cpu_seconds(pids)
    return {
        "n": n,
        "p50": pct(stats["staleness"], 50),
        "p95": pct(stats["staleness"], 95),
        "rps": stats["requests"] / seconds,
        "errors": stats["errors"],
        "tx_per_s": (tx1 - tx0) / seconds,
        "cpu": (cpu1 - cpu0) / seconds * 100,
    }


def main() -> int:
    url, name = create_postgres_database("stockdash_bench")
    server = ingest = None
    try:
        engine = make_engine(url)
        upgrade(engine)
        symbols = load_group("sp500")["symbol"].tolist()[:SYMBOLS]
        settings = Settings(
            _env_file=None,
            database_url=url,
            provider="demo",
            watchlist=",".join(symbols),
            live_max_symbols=50,
        )
        ingest = LiveIngest(engine, settings, source="demo", symbols=symbols, ignore_hours=True)
        ingest.start()
        os.environ["WATCHLIST"] = settings.watchlist  # the web's live set is these 50: no wants
        log_path = Path(tempfile.gettempdir()) / f"{name}-gunicorn.log"
        server = start_gunicorn(url, log_path)
        base = server.url
        pids = gunicorn_pids(server.proc.pid)
        time.sleep(WARM_SECONDS)  # the ingest's first flushes
        tx0, t0 = db_transactions(engine, name), time.monotonic()
        time.sleep(10)
        ingest_tx = (db_transactions(engine, name) - tx0) / (time.monotonic() - t0)
        print(f"ingest alone: {ingest_tx:.1f} db transactions/s; {ingest.writer.frames_total} frames so far")
        rows = [measure(base, symbols, n, engine, name, pids) for n in VIEWER_COUNTS]
        print(
            f"{'viewers':>8} {'p50_s':>7} {'p95_s':>7} {'req/s':>8} {'errors':>7} {'db_tx/s':>8} "
            f"{'web_db_tx/s':>12} {'gunicorn_cpu%':>14}"
        )
        for r in rows:
            print(
                f"{r['n']:>8} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['rps']:>8.1f} {r['errors']:>7} "
                f"{r['tx_per_s']:>8.1f} {r['tx_per_s'] - ingest_tx:>12.1f} {r['cpu']:>14.0f}"
            )
        last = rows[-1]
        print(f"targets: p95 staleness <= {TARGET_P95_S} s, 0 errors, db reads/s the same at 100 and 500")
        print(
            f"live: viewers={last['n']} p95_staleness_s={last['p95']:.2f} errors={last['errors']} "
            f"db_reads_per_s_100={rows[0]['tx_per_s'] - ingest_tx:.1f} "
            f"db_reads_per_s_500={last['tx_per_s'] - ingest_tx:.1f}"
        )
    finally:
        if ingest is not None:
            ingest.stop()
        if server is not None:
            stop_gunicorn(server)
        drop_postgres_database(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
