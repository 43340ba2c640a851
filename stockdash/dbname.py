"""A database named the way a person reads it in a log line: which file or server, whose data.

`make run` migrates two embedded files (demo and Yahoo data are never mixed); their log lines must
say which is which, and a server URL must never show its password.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from stockdash.db import VAR_DIR, sqlite_default

_EMBEDDED = {sqlite_default("demo"): "demo data", sqlite_default("yahoo"): "Yahoo data"}


def database_name(url: str) -> str:
    """'var/demo.db (demo data)', 'var/stockdash.db (Yahoo data)', or the URL without its password."""
    if url in _EMBEDDED:
        path = Path(make_url(url).database or "")
        shown = path.relative_to(VAR_DIR.parent) if path.is_relative_to(VAR_DIR.parent) else path
        return f"{shown} ({_EMBEDDED[url]})"
    return make_url(url).render_as_string(hide_password=True)
