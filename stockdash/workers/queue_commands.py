"""The queue's side of `python worker.py`: work, pull --enqueue, requeue-failed, and status lines."""

from __future__ import annotations

import argparse
import logging
from collections import Counter

from redis.exceptions import RedisError
from sqlalchemy import Engine

from stockdash import runs
from stockdash.config import Settings
from stockdash.deployment import resolve
from stockdash.errors import error_text
from stockdash.workers import admin
from stockdash.workers.connection import redis_for
from stockdash.workers.enqueue import enqueue_pull, live_workers
from stockdash.workers.rq_worker import Timing, work

log = logging.getLogger("stockdash.worker")

NO_REDIS = "REDIS_URL is unset: there is no queue (the clock and web do the work themselves)"


def _seconds(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 600:
        raise argparse.ArgumentTypeError("must be 1-600 seconds")
    return value


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    w = sub.add_parser("work", help="run a queue worker (the Procfile's worker process; needs REDIS_URL)")
    w.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    defaults = Timing()
    for name, help_text in (
        ("heartbeat", "a running job proves it is alive this often"),
        ("abandoned-after", "a job silent this long died with its worker and goes back in the queue"),
        ("maintenance", "an idle worker looks for such jobs this often"),
        ("shutdown-grace", "after SIGTERM a job may finish for this long, then is handed back (< 30)"),
    ):
        attr = name.replace("-", "_")
        w.add_argument(
            f"--{name}",
            dest=attr,
            type=_seconds,
            default=getattr(defaults, attr),
            metavar="S",
            help=f"{help_text} (default {getattr(defaults, attr)})",
        )
    sub.add_parser("requeue-failed", help="put the queue's failed jobs back for another attempt")


def cmd_work(settings: Settings, args: argparse.Namespace) -> int:
    timing = Timing(
        heartbeat=args.heartbeat,
        abandoned_after=args.abandoned_after,
        maintenance=args.maintenance,
        shutdown_grace=args.shutdown_grace,
    )
    return work(settings, burst=args.burst, timing=timing)


def cmd_enqueue_pull(settings: Settings, args: argparse.Namespace) -> int:
    """`pull --enqueue`: what the clock does with REDIS_URL set (the pull, then movers, on workers)."""
    if not settings.redis_url:
        log.error("job=pull --enqueue: %s", NO_REDIS)
        return 1
    try:
        redis = redis_for(settings.redis_url)
        if not live_workers(redis):
            log.warning("job=pull --enqueue: no live worker yet; the jobs wait for one")
        result = enqueue_pull(
            redis,
            resolve(settings).engine(),
            resolve(settings).provider(),
            settings,
            symbols=args.symbols,
            since=args.since,
        )
    except RedisError as exc:
        log.error("job=pull --enqueue status=failed reason=Redis unreachable: %s", error_text(exc))
        return 1
    print(result.line())
    return 0


def cmd_requeue_failed(settings: Settings, _args: argparse.Namespace) -> int:
    if not settings.redis_url:
        print(NO_REDIS)
        return 1
    try:
        count = admin.requeue_failed(redis_for(settings.redis_url))
    except RedisError as exc:
        log.error("job=requeue-failed status=failed reason=Redis unreachable: %s", error_text(exc))
        return 1
    print(f"requeued {count} failed job(s)")
    return 0


def print_chunks(engine: Engine, run_id: int) -> None:
    """One line for a queued pull's chunk runs, and one per chunk run that did not end ok."""
    chunks = runs.children(engine, run_id)
    if not chunks:
        return
    counts = Counter(c["status"] for c in chunks)
    by_status = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"          chunks: {len(chunks)} runs ({by_status})")
    for c in chunks:
        if c["status"] != "ok":
            print(f"          #{c['id']:<5} {c['status']:<9} rows={c['rows_written']} {c['message'][:70]}")


def print_queue(settings: Settings) -> int:
    """The queue part of `status`: depth, live workers, failed jobs."""
    if not settings.redis_url:
        print(f"queue         : none ({NO_REDIS})")
        return 0
    try:
        info = admin.state(redis_for(settings.redis_url))
    except RedisError as exc:
        print(f"queue         : Redis unreachable ({error_text(exc)})")
        return 1
    depth = ", ".join(f"{name} {n}" for name, n in info.depth.items())
    print(
        f"queue         : waiting {depth}; running {info.running}, retry later {info.scheduled}, "
        f"waiting on other jobs {info.deferred}"
    )
    print(f"live workers  : {len(info.workers)}")
    for line in info.workers:
        print(f"  {line}")
    hint = " (python worker.py requeue-failed puts them back)" if info.failed else ""
    print(f"failed jobs   : {len(info.failed)}{hint}")
    for f in info.failed:
        print(f"  {f.ended_at} {f.queue:<5} {f.id}  {f.description[:50]}  {f.reason[:100]}")
    return 0


COMMANDS = {"work": cmd_work, "requeue-failed": cmd_requeue_failed}
