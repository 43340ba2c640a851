"""What a process decides once, at start: its price provider and its database.

The entry points (`app.py` through `create_app`, `clock.py`, `worker.py` and the RQ worker's
tasks) call `resolve` before anything else and hand the answer down; nothing else asks which
database or provider to use. `PROVIDER=auto` means Yahoo when it answers, else demo:

* with `DATABASE_URL`, a database that already holds data keeps to its provider (one failed probe
  never starts demo data in a real database); an empty one goes by a 3 s Yahoo probe;
* without it, the provider picks the SQLite file (`var/demo.db` or `var/stockdash.db`). The first
  process of the deployment to decide records its answer in `var/auto-provider` (written
  atomically: the first writer wins) and every later process reads it, so the web and the clock
  open the same file whichever way their own probe would have gone. Delete the file (or set
  PROVIDER) to decide again.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from stockdash import store
from stockdash.config import Settings
from stockdash.db import Role, get_engine, make_engine, sqlite_default
from stockdash.providers import Provider, make_provider, yahoo_reachable

log = logging.getLogger("stockdash")

AUTO_CHOICE = "auto-provider"  # the file under VAR_DIR holding the first process's choice
NAMES = ("yahoo", "demo")


@dataclass(frozen=True)
class Deployment:
    """The settings with what they leave open decided: which provider, which database."""

    settings: Settings
    provider_name: str  # yahoo or demo
    database_url: str

    def engine(self, role: Role = "job") -> Engine:
        """This process's engine for the database, with the waits of `role`."""
        return get_engine(self.database_url, role=role)

    def provider(self) -> Provider:
        return make_provider(self.settings, self.provider_name)


_decided: dict[tuple[str, str | None, str | None, str], tuple[str, str]] = {}
_decided_lock = threading.Lock()


def resolve(settings: Settings) -> Deployment:
    """The deployment `settings` describe, decided once per process (later calls get the same answer)."""
    key = (settings.provider, settings.database_url, settings.yahoo_base_url, str(settings.var_dir))
    with _decided_lock:
        if key not in _decided:
            _decided[key] = decide(settings)
            log.info("provider=%s database=%s", *_decided[key])
        name, url = _decided[key]
    return Deployment(settings, name, url)


def decide(settings: Settings) -> tuple[str, str]:
    """(provider name, database URL), asking the database or Yahoo as `PROVIDER=auto` needs."""
    name: str
    if settings.database_url:
        name = settings.provider
        if name == "auto":
            name = held_provider(settings.database_url) or _probe(settings)
        return name, settings.database_url
    if settings.provider == "auto":
        name = _recorded_choice(Path(settings.var_dir) / AUTO_CHOICE, settings)
    else:
        name = settings.provider
    return name, sqlite_default(name, var_dir=settings.var_dir)


def held_provider(url: str) -> str | None:
    """Whose data the database at `url` already holds, or None (empty, unmigrated, unreachable)."""
    engine = make_engine(url, role="health")  # a short wait
    try:
        with engine.connect() as conn:
            return store.dataset_provider(conn)
    except Exception:
        return None
    finally:
        engine.dispose()


def _probe(settings: Settings) -> str:
    ok = yahoo_reachable(settings)
    log.info("provider=auto yahoo_reachable=%s", ok)
    return "yahoo" if ok else "demo"


def _recorded_choice(path: Path, settings: Settings) -> str:
    """The choice in `path`, or this process's probe written there when no process decided yet."""
    if (recorded := _read(path)) is not None:
        return recorded
    name = _probe(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    mine.write_text(name + "\n")
    try:
        os.link(mine, path)  # atomic, and refused when another process got there first
    except FileExistsError:
        pass
    finally:
        mine.unlink()
    recorded = _read(path)
    if recorded is None:  # an unreadable file left by hand: ours replaces it
        mine.write_text(name + "\n")
        os.replace(mine, path)
        return name
    return recorded


def _read(path: Path) -> str | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    if text not in NAMES:
        log.warning("%s says %r, not one of %s: deciding again", path, text[:20], ", ".join(NAMES))
        return None
    return text
