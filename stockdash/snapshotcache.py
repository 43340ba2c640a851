"""One session's screener snapshot held in memory per process, screened with numpy.

A screener request asked the database to scan and sort the session's 8,700 wide rows each time
(two round trips and 10-40 ms on a busy machine). Every write of a snapshot changes its number in
`screener_versions` (stats.store, in the same transaction), so a request asks for that one row, and
while it matches what this process holds the screen is a few numpy operations over arrays.

It answers exactly what the SQL in screener.run answers: a field without a value never matches,
booleans match with SQL's IS, ties and a sort by symbol follow the database's own order of the
symbols (the rows are loaded ORDER BY symbol, so a collation other than bytewise gives the same
order). A sort by a text field (name, sector, kind) is left to the database.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from stockdash.schema import screener as table
from stockdash.schema import screener_versions as versions

KEPT = 2  # sessions held per database: the latest and one earlier asked for
TEXT_KEYS = ("name", "sector", "kind")  # sorted by the database's collation, not here

# The screener's operators, for numpy columns here and SQLAlchemy columns in screener.run_sql.
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}


@dataclass
class Held:
    """One session's rows in the database's symbol order, and columns of them as arrays."""

    as_of: date
    version: int
    rows: list[dict[str, Any]]
    columns: dict[str, np.ndarray]  # numbers and flags as float64 (NaN: no value), texts as object


_held: dict[tuple[str, date], Held] = {}
_lock = threading.Lock()


def current(conn: Connection, as_of: date | None, fields: tuple[str, ...]) -> Held | None:
    """The snapshot of as_of (None: the latest) as this process holds it, loaded afresh when its
    version moved on; None when no version is stored for it (the caller asks the database)."""
    latest = select(func.max(versions.c.as_of)).scalar_subquery()
    stamp = conn.execute(
        select(versions.c.as_of, versions.c.version).where(
            versions.c.as_of == (as_of if as_of is not None else latest)
        )
    ).first()
    if stamp is None:
        return None
    key = (conn.engine.url.render_as_string(hide_password=True), stamp.as_of)
    held = _held.get(key)
    if held is not None and held.version == stamp.version:
        return held
    rows = [
        dict(r)
        for r in conn.execute(
            select(*[table.c[f] for f in fields]).where(table.c.as_of == stamp.as_of).order_by(table.c.symbol)
        ).mappings()
    ]
    if not rows:  # rows deleted behind stats.store's back: the database answers
        return None
    held = Held(stamp.as_of, stamp.version, rows, _columns(rows, fields))
    with _lock:
        _held[key] = held
        same_db = [k for k in _held if k[0] == key[0]]
        for old in sorted(same_db, key=lambda k: k[1])[:-KEPT]:
            del _held[old]
    return held


def _columns(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {}
    for name in fields:
        values = [r[name] for r in rows]
        if name in (*TEXT_KEYS, "symbol"):
            out[name] = np.array(values, dtype=object)
        else:  # numbers and booleans: None becomes NaN
            out[name] = np.array([np.nan if v is None else float(v) for v in values], dtype="float64")
    return out


def matching(held: Held, conditions: list[tuple[str, str, float | bool | str]]) -> np.ndarray:
    """Positions of the rows meeting every (field, operator, value), in symbol order."""
    keep = np.ones(len(held.rows), dtype=bool)
    with np.errstate(invalid="ignore"):
        for name, op, value in conditions:
            column = held.columns[name]
            if isinstance(value, bool):  # SQL's IS: no value matches neither
                keep &= column == float(value if op == "=" else not value)
            elif isinstance(value, str):
                keep &= OPERATORS[op](column, value)
            else:
                keep &= ~np.isnan(column) & OPERATORS[op](column, value)
    return np.flatnonzero(keep)


def ordered(held: Held, positions: np.ndarray, field: str, descending: bool) -> np.ndarray:
    """`positions` by `field` (no value last), ties by symbol; a text field is not sorted here."""
    if field in TEXT_KEYS:
        raise ValueError(f"{field} is sorted by the database")
    if field == "symbol":
        return positions[::-1] if descending else positions
    key = held.columns[field][positions]
    missing = np.isnan(key)
    key = np.where(missing, 0.0, -key if descending else key)
    return positions[np.lexsort((positions, key, missing))]
