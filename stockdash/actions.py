"""Dividends and splits: from the provider's `actions` to stored rows, and back out for the chart and API.

Providers report a split as one ratio (4.0 for 4:1, 0.1 for a 1:10 reverse split, 1.046 for
1046:1000, as yfinance divides Yahoo's numerator by its denominator); it is stored as the
smallest whole numerator and denominator with that ratio (523:500 for 1046:1000).
Dividends are stored as reported: on the same split-adjusted basis as the stored bars, which is
why a symbol's actions are replaced with its bars when a split changes that basis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stockdash import store
from stockdash.providers.base import Provider
from stockdash.schema import corporate_actions

KINDS = ("dividend", "split")
COLUMNS = ["date", "kind", "amount", "numerator", "denominator"]
MAX_DENOMINATOR = 10_000


def split_fraction(ratio: float) -> tuple[int, int]:
    """(numerator, denominator) of a split ratio: 4.0 -> (4, 1), 0.1 -> (1, 10), 1.046 -> (523, 500)."""
    exact = Fraction(ratio).limit_denominator(MAX_DENOMINATOR)
    return exact.numerator, exact.denominator


def rows(actions: pd.DataFrame) -> list[dict]:
    """Provider actions (symbol, date, kind, value) as table rows, one per (symbol, date, kind)."""
    out: dict[tuple, dict] = {}
    for symbol, day, kind, value in actions[["symbol", "date", "kind", "value"]].itertuples(index=False):
        if kind not in KINDS or value != value or value <= 0:
            continue
        row = {
            "symbol": symbol,
            "date": day,
            "kind": kind,
            "amount": None,
            "numerator": None,
            "denominator": None,
        }
        if kind == "dividend":
            row["amount"] = float(value)
        else:
            row["numerator"], row["denominator"] = (float(x) for x in split_fraction(float(value)))
        out[(symbol, day, kind)] = row
    return list(out.values())


def upsert(conn: Connection, actions: pd.DataFrame) -> int:
    """Insert or update actions by (symbol, date, kind); a re-run changes nothing. Returns rows given."""
    found = rows(actions)
    if not found:
        return 0
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(corporate_actions)
    stmt = stmt.on_conflict_do_update(
        index_elements=[corporate_actions.c.symbol, corporate_actions.c.date, corporate_actions.c.kind],
        set_={c: stmt.excluded[c] for c in ("amount", "numerator", "denominator")},
    )
    conn.execute(stmt, found)
    return len(found)


def replace(conn: Connection, symbols: Iterable[str], actions: pd.DataFrame) -> int:
    """Swap every stored action of `symbols` for `actions` (their history was fetched again)."""
    conn.execute(delete(corporate_actions).where(corporate_actions.c.symbol.in_(list(symbols))))
    return upsert(conn, actions)


def load(
    conn: Connection, symbol: str, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """One symbol's actions in date order (COLUMNS; `date` a datetime.date)."""
    t = corporate_actions
    stmt = select(*[t.c[c] for c in COLUMNS]).where(t.c.symbol == symbol)
    if start:
        stmt = stmt.where(t.c.date >= start)
    if end:
        stmt = stmt.where(t.c.date <= end)
    found = conn.execute(stmt.order_by(t.c.date, t.c.kind)).all()
    columns = list(zip(*found, strict=True)) if found else [()] * len(COLUMNS)
    # Built column by column: pandas' row-by-row construction and astype cost more than the query.
    data = {
        "date": pd.Series(columns[0], dtype=object),
        "kind": pd.Series(columns[1], dtype=object),
        **{c: np.array(v, dtype="float64") for c, v in zip(COLUMNS[2:], columns[2:], strict=True)},
    }
    return pd.DataFrame(data)


def label(row: dict, *, currency: str = "USD") -> str:
    """What a marker says on hover: 'Dividend 0.205 USD', 'Split 4:1'."""
    if row["kind"] == "split":
        return f"Split {row['numerator']:g}:{row['denominator']:g}"
    return f"Dividend {row['amount']:g} {currency}"


def trailing_yield(actions: pd.DataFrame, *, as_of: date, close: float) -> float | None:
    """Dividends with an ex-date in the 12 months up to `as_of`, over `close`, in %; None without any."""
    if actions.empty or not close:
        return None
    since = as_of - timedelta(days=365)
    dividends = actions[
        (actions["kind"] == "dividend") & (actions["date"] > since) & (actions["date"] <= as_of)
    ]
    if dividends.empty:
        return None
    return float(dividends["amount"].sum()) / close * 100.0


@dataclass
class Backfilled:
    """What a backfill stored, and why symbols failed."""

    symbols: int = 0
    rows: int = 0
    failures: dict[str, str] = field(default_factory=dict)


BACKFILL_CHUNK = 100  # symbols per provider call and transaction


def backfill(engine: Engine, provider: Provider, *, symbols: list[str] | None = None) -> Backfilled:
    """Fetch and store the actions over each stored symbol's stored dates (the bars stay as they are).

    For a database filled before actions were kept; re-running it writes the same rows again.
    """
    with engine.connect() as conn:
        firsts = store.first_dates(conn, symbols or store.tracked_symbols(conn))
        lasts = store.last_dates(conn, list(firsts))
    done = Backfilled()
    groups: dict[tuple[date, date], list[str]] = defaultdict(list)
    for symbol, first in firsts.items():
        groups[(first, lasts[symbol])].append(symbol)
    for (start, end), group in sorted(groups.items()):
        for i in range(0, len(group), BACKFILL_CHUNK):
            chunk = group[i : i + BACKFILL_CHUNK]
            fetched = provider.fetch_daily(chunk, start=start, end=end)
            done.failures.update(fetched.failures)
            ok = [s for s in chunk if s not in fetched.failures]
            with engine.begin() as conn:
                done.rows += replace(conn, ok, fetched.actions[fetched.actions["symbol"].isin(ok)])
            done.symbols += len(ok)
    return done
