"""`worker.py stream` (the live ingest in the foreground) and the live lines of `worker.py status`."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine

from stockdash.config import Settings
from stockdash.live import liveset
from stockdash.live.service import LiveIngest
from stockdash.live.writer import read_status

log = logging.getLogger("stockdash.live")

REPORT_SECONDS = 10.0


def source_for(provider_name: str) -> str:
    """Demo data gets the demo walk; real data the Yahoo stream."""
    return "demo" if provider_name == "demo" else "stream"


def run_stream(
    engine: Engine, settings: Settings, *, provider_name: str, symbols: list[str] | None, seconds: int | None
) -> int:
    """Stream until SIGINT/SIGTERM or `seconds`, whatever the time of day; logs a line every 10 s."""
    ingest = LiveIngest(
        engine, settings, source=source_for(provider_name), symbols=symbols, ignore_hours=True
    )
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    ingest.start()
    started = datetime.now(UTC)
    while not done.wait(REPORT_SECONDS if seconds is None else min(REPORT_SECONDS, seconds)):
        info = ingest.status()
        log.info(
            "live %s state=%s symbols=%d frames=%d frames_per_minute=%.0f",
            info["source"],
            info["state"],
            len(info["symbols"]),
            info["frames"],
            info["frames_per_minute"],
        )
        if seconds is not None and (datetime.now(UTC) - started).total_seconds() >= seconds:
            break
    ok = ingest.stop()
    log.info("job=stream status=%s frames=%d", "ok" if ok else "failed", ingest.writer.frames_total)
    return 0 if ok else 1


def status_lines(engine: Engine, settings: Settings) -> list[str]:
    """The live set, the connection state, the last frame time and frames per minute."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        found = liveset.read(conn, settings, now=now)
        row = read_status(conn)
    lines = [f"live set      : {len(found.symbols)}/{found.cap} {','.join(found.symbols)}"]
    if found.refused:
        lines.append(f"live refused  : {','.join(found.refused)} ({liveset.FULL})")
    if row is None:
        lines.append("live stream   : never run")
        return lines
    last = f"{row['last_frame_at']:%Y-%m-%d %H:%M:%S %Z}" if row["last_frame_at"] else "-"
    as_of = f"{row['updated_at']:%Y-%m-%d %H:%M:%S %Z}"
    note = f" {row['message']}" if row["message"] else ""
    lines.append(f"live stream   : {row['state']} ({row['source'] or '-'}) as of {as_of}{note}")
    lines.append(f"last frame    : {last}    frames/minute: {row['frames_per_minute']:.0f}")
    return lines
