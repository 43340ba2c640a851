"""Every place stockdash reaches into a pinned library's private names, each kept for a shown reason.

An upgrade may rename or change any of them without notice, so this module checks at import that
the installed versions are the ones it was written for (WRITTEN_FOR; a test keeps it equal to the
pins in requirements.txt) and stops the process with one line naming the library otherwise.
Bump a pin, then read each shim below against the new version and update WRITTEN_FOR.

* gunicorn's `_DEFER` and `ThreadWorker.enqueue_req` — the fast lanes for /healthz and the page's
  files (web/gunicorn_worker.py). Shown needed by tests/web/test_frozen_database.py (/healthz
  answers within 3 s on a frozen database; the page and its files within 1 s while every request
  thread waits on a locked table) and by bench/load.py (/healthz p95 84 → 32 ms under chart load,
  docs/performance.md).
* Dash's `Dash._setup_server()` — finish Dash's setup in gunicorn's master before the fork: with
  threaded workers a first page's parallel bundle requests otherwise race it and one gets a 500
  (the race found when it was added, web/__init__.py; no test re-creates that race on demand).
* psycopg's `errors._WaitTimeout` — what `Connection.wait(timeout=…)` raises when the server sends
  no reply: the client-side bound on a frozen database (db.py), shown by
  tests/web/test_frozen_database.py.
* Dash's script tags in `interpolate_index` (a documented override) matched by a regex: drops
  the dash_table and @babel/polyfill scripts the page does without (web/page_assets.py), shown
  by tests/web/test_page_assets.py and tests/web/test_browser_first_load.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

WRITTEN_FOR = {"gunicorn": "27.0.1", "dash": "4.4.1", "psycopg": "3.3.9"}


class IncompatibleVersion(RuntimeError):
    """An installed library is not the version stockdash.compat was written for."""


def check(written_for: dict[str, str], installed: Callable[[str], str] = version) -> None:
    """Raise IncompatibleVersion naming every library whose installed version differs."""
    wrong = {name: installed(name) for name in written_for if installed(name) != written_for[name]}
    if wrong:
        found = ", ".join(f"{name} {got} (written for {written_for[name]})" for name, got in wrong.items())
        raise IncompatibleVersion(f"stockdash/compat.py reaches into private names of {found}: re-check it")


check(WRITTEN_FOR)


def gunicorn_defer() -> Any:
    """The marker gthread's `finish_request` takes as "not ready yet: poll the socket again"."""
    from gunicorn.workers import gthread

    return gthread._DEFER


def psycopg_wait_timeout() -> type[Exception]:
    """What psycopg's `Connection.wait(timeout=…)` raises when the server sends no reply in time."""
    import psycopg

    return psycopg.errors._WaitTimeout


def finish_dash_setup(app: Any) -> None:
    """Run what Dash does on its first request (registering its bundles) now, once."""
    app._setup_server()


def drop_scripts(app: Any, unwanted: re.Pattern[str]) -> None:
    """Leave out of the page the `<script>` tags Dash writes that match `unwanted`."""
    interpolate = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        parts["scripts"] = unwanted.sub("", parts.get("scripts", ""))
        return interpolate(**parts)

    setattr(app, "interpolate_index", interpolate_index)  # noqa: B010
