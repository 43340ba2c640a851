"""The queued pull with 1, 2 and 4 worker processes: a 1,000-symbol, 2-year pull through the Yahoo path.

Every worker runs yfinance's own request and parsing code; its HTTP goes to a local stand-in
(YAHOO_BASE_URL) that answers chart requests with bodies in Yahoo's exact format (a recorded
TSLA answer, sliced to the range asked and relabelled per symbol) after 200 ms, Yahoo's latency
from afar. Each run gets an empty PostgreSQL database and Redis database; the clock's own
`enqueue_pull` queues the pull and the wall time runs until its last job (totals, movers) ends.

Usage: python bench/workers.py [--symbols 1000] [--latency 0.2]
Needs PostgreSQL (BENCH_DATABASE_URL, default local) and Redis (BENCH_REDIS_URL host/port).
Target: 4 workers at least 3x faster than 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from rq import Worker  # noqa: E402
from rq.job import Job as RqJob  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from stockdash import runs  # noqa: E402
from stockdash.config import Settings  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.providers import make_provider  # noqa: E402
from stockdash.schema import daily_bars  # noqa: E402
from stockdash.universe import resolve  # noqa: E402
from stockdash.workers.enqueue import enqueue_pull  # noqa: E402
from tests.yahoo_replay import FIXTURES, classify, fixed_answer, slice_chart  # noqa: E402
from tests.yahoo_server import YahooStandIn  # noqa: E402

TODAY = date(2023, 8, 11)  # the recording's last session: two years of it are there to pull
TEMPLATE = "TSLA_2010-06-29_2023-08-11"
WORKER_COUNTS = (1, 2, 4)
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@lru_cache(maxsize=64)
def _sliced(query: str) -> str:
    """The template's answer for one query string, as Yahoo slices it (the same for every symbol)."""
    body = json.loads((FIXTURES / f"{TEMPLATE}.json").read_text())
    return json.dumps(slice_chart(body, dict(parse_qsl(query))), separators=(",", ":"))


def answer(url: str) -> tuple[int, str, bytes]:
    """Yahoo's answer to `url`: a chart body relabelled for the symbol, or a fixed endpoint answer."""
    parts = urlsplit(url)
    kind, symbol = classify(parts.hostname or "", parts.path)
    if kind != "chart" or not symbol:
        status, body = fixed_answer(kind, symbol)
        return status, "application/json" if body.startswith("{") else "text/plain", body.encode()
    body = _sliced(parts.query).replace('"symbol":"TSLA"', f'"symbol":{json.dumps(symbol)}', 1)
    return 200, "application/json;charset=utf-8", body.encode()


def claim_redis_db(host: str, port: int) -> int:
    """A Redis database number nobody else holds (the tests claim theirs the same way)."""
    admin = Redis(host=host, port=port, db=0)
    for number in range(15, 0, -1):
        if admin.set(f"stockdash-test:db:{number}", os.getpid(), nx=True, ex=3600):
            return number
    raise SystemExit("every Redis database 1-15 is claimed")


def start_workers(count: int, env: dict[str, str], scratch: Path) -> list[subprocess.Popen]:
    procs = []
    for n in range(count):
        worker_env = {**env, "XDG_CACHE_HOME": str(scratch / f"yf-cache-{count}-{n}")}
        log = (scratch / f"worker-{count}-{n}.log").open("w")
        procs.append(
            subprocess.Popen(
                [sys.executable, "worker.py", "work"],
                cwd=ROOT,
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def one_run(
    count: int, *, admin_url, redis_host: str, redis_port: int, base_url: str, symbols, scratch
) -> dict:
    """Wall time of the queued pull with `count` workers, on an empty database."""
    name = f"stockdash_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = admin_url.set(database=name).render_as_string(hide_password=False)
    number = claim_redis_db(redis_host, redis_port)
    redis_url = f"redis://{redis_host}:{redis_port}/{number}"
    redis = Redis(host=redis_host, port=redis_port, db=number)
    redis.flushdb()
    engine = make_engine(db_url)
    procs: list[subprocess.Popen] = []
    try:
        upgrade(engine)
        settings = Settings(
            _env_file=None,
            database_url=db_url,
            redis_url=redis_url,
            provider="yahoo",
            universe=",".join(symbols),
            history_years=2,
            yahoo_base_url=base_url,
        )
        ours = {field.upper() for field in Settings.model_fields}
        env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
        env.update(
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            PROVIDER="yahoo",
            HISTORY_YEARS="2",
            YAHOO_BASE_URL=base_url,
            LOG_LEVEL="WARNING",
        )
        procs = start_workers(count, env, scratch)
        wait_until(lambda: Worker.count(connection=redis) == count, 60, f"{count} live workers")

        started = time.perf_counter()
        queued = enqueue_pull(
            redis, engine, make_provider(settings, settings.provider), settings, today=TODAY
        )
        finish = f"{queued.batch}_finish"
        wait_until(
            lambda: RqJob.fetch(finish, connection=redis).get_status() in ("finished", "failed"),
            1800,
            "the pull's last job",
        )
        seconds = time.perf_counter() - started

        with engine.connect() as conn:
            bars = conn.execute(select(func.count()).select_from(daily_bars)).scalar_one()
            stored = conn.execute(select(func.count(func.distinct(daily_bars.c.symbol)))).scalar_one()
        pull = runs.recent(engine, 5)[-1]
        return {
            "workers": count,
            "seconds": seconds,
            "bars": bars,
            "symbols": stored,
            "chunks": queued.chunks,
            "status": pull["status"],
        }
    finally:
        stop_workers(procs)
        engine.dispose()
        redis.flushdb()
        Redis(host=redis_host, port=redis_port, db=0).delete(f"stockdash-test:db:{number}")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each chart answer")
    args = parser.parse_args()

    admin_url = make_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    redis = urlsplit(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379"))
    symbols = resolve("total")[: args.symbols]
    print(
        f"pull: {len(symbols)} symbols x 2 years to {TODAY}, "
        f"Yahoo stand-in latency {args.latency * 1000:.0f} ms, "
        f"{Settings(_env_file=None).queue_chunk_size} symbols per job",
        flush=True,
    )
    results = []
    with YahooStandIn(answer, delay=args.latency) as yahoo, tempfile.TemporaryDirectory() as scratch:
        for count in WORKER_COUNTS:
            result = one_run(
                count,
                admin_url=admin_url,
                redis_host=redis.hostname or "127.0.0.1",
                redis_port=redis.port or 6379,
                base_url=yahoo.base_url,
                symbols=symbols,
                scratch=Path(scratch),
            )
            results.append(result)
            print(
                f"{count} worker(s): {result['seconds']:7.1f} s  {result['bars']:,} bars, "
                f"{result['symbols']} symbols, {result['chunks']} jobs, pull {result['status']}",
                flush=True,
            )
    one = results[0]["seconds"]
    if len({(r["bars"], r["symbols"]) for r in results}) != 1 or any(r["status"] != "ok" for r in results):
        raise SystemExit("the runs stored different data or did not end ok")
    for r in results[1:]:
        print(f"speed-up with {r['workers']} workers: {one / r['seconds']:.2f}x")
    print(f"speedup_4_workers: {one / results[-1]['seconds']:.2f}")


if __name__ == "__main__":
    main()
