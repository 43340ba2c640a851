"""Delivered alerts benchmark: `python bench/alerts.py`.

The clock's live path as it runs in `python clock.py`: the demo stream walks 50 symbols (a
quote per symbol a second) through the live writer, whose every quote goes to the alert
checker; 500 price rules (ten levels per symbol, five over and five under its price, armed by
the first quote) fire as the walk crosses them, and each firing is delivered to a local
webhook receiver (`json://`). Two runs side by side, each on a fresh SQLite database:
  * without workers: the clock's own sender threads deliver;
  * with workers: REDIS_URL set and two real `worker.py work` processes deliver RQ jobs.
Latency: from the crossing quote reaching the ingest (the writer's `put`) to the receiver
holding the message. Duplicates: messages the receiver got more than once; lost: firings whose
message never arrived. Target: p95 <= 2 s, 0 duplicates, 0 lost. BENCH_SECONDS sets each run's
streaming time (40); the last line sums both runs and gives the worse p95.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from sqlalchemy import select  # noqa: E402

from stockdash import logs  # noqa: E402
from stockdash.alerts import rules  # noqa: E402
from stockdash.alerts.clock_service import AlertService  # noqa: E402
from stockdash.config import Settings  # noqa: E402
from stockdash.db import make_engine  # noqa: E402
from stockdash.live.demo_walk import DemoFeed  # noqa: E402
from stockdash.live.service import LiveIngest  # noqa: E402
from stockdash.migrate import upgrade  # noqa: E402
from stockdash.schema import alert_deliveries, alert_firings  # noqa: E402
from stockdash.universe import load_group  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "40"))
SYMBOLS = list(load_group("sp500")["symbol"])[:50]
LEVELS = 5  # per side and symbol: 50 x 10 = 500 rules
STEP = 0.0003  # levels 0.03 % apart: the demo walk crosses a few per symbol a minute
SETTLE = 45.0  # after the stream stops: time for the last deliveries (and retries) to land
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
CLAIM_KEY = "stockdash-test:db:"  # the tests' claim on numbered Redis databases: share politely


class Receiver:
    """A local webhook: the arrival time of every message it answered 200."""

    def __init__(self) -> None:
        self.got: list[tuple[str, float]] = []
        lock = threading.Lock()
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                with lock:
                    got.append((json.loads(body)["message"], at))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Outcome:
    mode: str
    rules: int
    firings: int
    deliveries: int
    received: int
    duplicates: int
    lost: int
    latencies: list[float]

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _claim_redis() -> tuple[str, int] | None:
    admin = Redis.from_url(f"{REDIS}/0", socket_connect_timeout=2)
    try:
        admin.ping()
    except Exception:
        return None
    for n in range(15, 0, -1):
        if admin.set(f"{CLAIM_KEY}{n}", os.getpid(), nx=True, ex=900):
            Redis.from_url(f"{REDIS}/{n}").flushdb()
            return f"{REDIS}/{n}", n
    return None


def _workers(env: dict[str, str], n: int, log_dir: Path) -> list[subprocess.Popen]:
    procs = []
    for i in range(n):
        out = (log_dir / f"worker-{i}.log").open("w")
        procs.append(
            subprocess.Popen(
                [sys.executable, "worker.py", "work", "--heartbeat", "1", "--maintenance", "1"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def _ladder(engine, channels) -> int:
    feed = DemoFeed({})
    now = datetime.now(UTC)
    count = 0
    with engine.begin() as conn:
        for symbol in SYMBOLS:
            price = feed.quote(symbol, now).price
            for k in range(1, LEVELS + 1):
                for kind, level in (
                    ("price_above", price * (1 + k * STEP)),
                    ("price_below", price * (1 - k * STEP)),
                ):
                    rules.add(conn, symbol=symbol, kind=kind, value=round(level, 4), channels=channels)
                    count += 1
    return count


def run(mode: str, workdir: Path, redis_url: str | None) -> Outcome:
    url = f"sqlite:///{workdir / f'{mode}.db'}"
    engine = make_engine(url)
    upgrade(engine)
    receiver = Receiver()
    settings = Settings(
        _env_file=None, database_url=url, provider="demo", alert_channels=receiver.url, redis_url=redis_url
    )
    alerts = AlertService(settings, engine)
    n_rules = _ladder(engine, alerts.channels)
    procs: list[subprocess.Popen] = []
    if redis_url:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
        env.update(
            DATABASE_URL=url,
            REDIS_URL=redis_url,
            PROVIDER="demo",
            ALERT_CHANNELS=receiver.url,
            LOG_LEVEL="INFO",
        )
        procs = _workers(env, 2, workdir)
        deadline = time.monotonic() + 60
        from rq import Worker

        while Worker.count(connection=Redis.from_url(redis_url)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    ingest = LiveIngest(engine, settings, source="demo", symbols=SYMBOLS, ignore_hours=True)
    ingest.writer.listeners.append(alerts.offer)
    alerts.start()
    ingest.start()
    try:
        time.sleep(SECONDS)
        ingest.stop()
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                pending = conn.execute(
                    select(alert_deliveries.c.id).where(alert_deliveries.c.status == "pending")
                ).first()
            if pending is None and not alerts.checker._inbox:
                break
            time.sleep(0.5)
    finally:
        alerts.stop()
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=40)
    with engine.connect() as conn:
        firings = conn.execute(select(alert_firings.c.message, alert_firings.c.received_at)).all()
        deliveries = conn.execute(select(alert_deliveries.c.status)).scalars().all()
    receiver.stop()
    engine.dispose()
    arrivals: dict[str, list[float]] = {}
    for message, at in receiver.got:
        arrivals.setdefault(message, []).append(at)
    counts = Counter(m for m, _ in receiver.got)
    latencies, lost = [], 0
    for message, received_at in firings:
        got = arrivals.get(message)
        if not got:
            lost += 1
            continue
        start = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
        latencies.append(min(got) - start.timestamp())
    return Outcome(
        mode=mode,
        rules=n_rules,
        firings=len(firings),
        deliveries=len(deliveries),
        received=len(receiver.got),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        lost=lost,
        latencies=latencies,
    )


def main() -> int:
    logs.setup("WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="stockdash-bench-alerts-"))
    outcomes = [run("clock-sender", workdir, None)]
    claimed = _claim_redis()
    if claimed is None:
        print("Redis is not reachable: the run with workers is skipped", file=sys.stderr)
    else:
        redis_url, number = claimed
        try:
            outcomes.append(run("rq-workers", workdir, redis_url))
        finally:
            Redis.from_url(redis_url).flushdb()
            Redis.from_url(f"{REDIS}/0").delete(f"{CLAIM_KEY}{number}")
    print(f"demo stream: {len(SYMBOLS)} symbols, a quote each per second, {SECONDS:.0f} s per run")
    heads = [("rules", 6), ("firings", 8), ("deliveries", 10), ("received", 9), ("p50 s", 7), ("p95 s", 7)]
    heads += [("max s", 7), ("dups", 5), ("lost", 5)]
    print(f"{'run':<14} " + " ".join(f"{h:>{w}}" for h, w in heads))
    for o in outcomes:
        print(
            f"{o.mode:<14} {o.rules:>6} {o.firings:>8} {o.deliveries:>10} {o.received:>9} "
            f"{o.p(0.5):>7.3f} {o.p(0.95):>7.3f} {max(o.latencies, default=float('nan')):>7.3f} "
            f"{o.duplicates:>5} {o.lost:>5}"
        )
    worst = max(o.p(0.95) for o in outcomes)
    print(
        f"alerts: rules={outcomes[0].rules} deliveries={sum(o.deliveries for o in outcomes)} "
        f"p95_latency_s={worst:.3f} duplicates={sum(o.duplicates for o in outcomes)} "
        f"lost={sum(o.lost for o in outcomes)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
