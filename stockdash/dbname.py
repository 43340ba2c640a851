"""A database named the way a person reads it in a log line: which file or server, whose data.

`make run` migrates two embedded files (demo and Yahoo data are never mixed); their log lines must
say which is which, and a server URL must never show its password.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

_EMBEDDED = {"demo.db": "demo data", "stockdash.db": "Yahoo data"}  # db.sqlite_default's file names


def database_name(url: str) -> str:
    """'var/demo.db (demo data)', 'var/stockdash.db (Yahoo data)', or the URL without its password."""
    parsed = make_url(url)
    path = Path(parsed.database or "")
    whose = _EMBEDDED.get(path.name) if parsed.get_backend_name() == "sqlite" else None
    if whose is None:
        return parsed.render_as_string(hide_password=True)
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    return f"{shown} ({whose})"
