"""Screening the stored snapshot: filters (`rsi14<30`), a group, a sector, a sort, a page of rows.

The web page, the API and the alerts read it through here. Filters are parsed into typed
`Filter`s before any SQL is built, so a bad one is a `ScreenError` naming the part at fault.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from stockdash import snapshotcache
from stockdash.schema import SCREENER_FLAGS, SCREENER_FLOATS, SCREENER_INTS
from stockdash.schema import screener as table
from stockdash.stats import STATE

GROUPS = ("sp500", "etfs", "all")
OPERATORS = ("<=", ">=", "!=", "<", ">", "=")
NUMBERS = tuple(f for f in SCREENER_FLOATS if f not in STATE) + SCREENER_INTS + ("volume",)
FLAGS = SCREENER_FLAGS
TEXTS = ("name", "sector", "kind")
FIELDS = NUMBERS + FLAGS + TEXTS
# What a row carries (the API's and the grid's columns), in the order a table shows them.
ROW_FIELDS = ("symbol", "name", "sector", "kind", "in_sp500", *NUMBERS, *FLAGS)
DEFAULT_SORT = "-dollar_volume_20"
MAX_FILTERS = 20
_WHERE = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=|!=|<|>|=)\s*(.*?)\s*$")

# Labels for the page's field picker and column headers.
LABELS = {
    "close": "Last",
    "pct_1d": "% 1D",
    "pct_1w": "% 1W",
    "pct_1m": "% 1M",
    "pct_3m": "% 3M",
    "pct_6m": "% 6M",
    "pct_1y": "% 1Y",
    "pct_ytd": "% YTD",
    "high_52w": "52w high",
    "low_52w": "52w low",
    "from_high_52w_pct": "% from 52w high",
    "from_low_52w_pct": "% from 52w low",
    "sma50": "SMA 50",
    "sma200": "SMA 200",
    "rsi14": "RSI 14",
    "atr14_pct": "ATR 14 %",
    "volume": "Volume",
    "avg_volume_20": "Avg vol 20",
    "relvol": "Rel vol",
    "gap_pct": "Gap %",
    "dollar_volume_20": "$ vol 20",
    "golden_cross_days": "Golden cross (sessions ago)",
    "death_cross_days": "Death cross (sessions ago)",
    "new_high_52w": "New 52w high",
    "new_low_52w": "New 52w low",
    "above_sma50": "Above SMA 50",
    "above_sma200": "Above SMA 200",
    "name": "Name",
    "sector": "Sector",
    "kind": "Kind",
}
HORIZON_LABELS = {
    "1d": "1 day",
    "1w": "1 week",
    "1m": "1 month",
    "3m": "3 months",
    "6m": "6 months",
    "1y": "1 year",
    "ytd": "YTD",
}


class ScreenError(ValueError):
    """A filter, sort or group the screener cannot use; `param` names the query parameter."""

    def __init__(self, message: str, *, param: str) -> None:
        super().__init__(message)
        self.param = param


class NoSnapshot(LookupError):
    """No snapshot stored (at all, or for the date asked)."""


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: float | bool | str

    def text(self) -> str:
        value = str(self.value).lower() if isinstance(self.value, bool) else self.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{self.field}{self.op}{value}"


def parse_filter(text: str) -> Filter:
    """`rsi14<30`, `new_high_52w=true`, `sector=Energy` into a Filter; ScreenError naming what is wrong."""
    if not isinstance(text, str):
        raise ScreenError("a filter must be text like rsi14<30", param="where")
    match = _WHERE.match(text[:200])
    if not match:
        raise ScreenError(
            f"filter {text[:60]!r} is not FIELD OPERATOR VALUE with an operator of {' '.join(OPERATORS)}",
            param="where",
        )
    name, op, raw = match.groups()
    if name not in FIELDS:
        raise ScreenError(f"unknown field {name[:40]!r} in filter {text[:60]!r}", param="where")
    if name in FLAGS:
        if raw.lower() not in ("true", "false"):
            raise ScreenError(f"{name} takes true or false (got {raw[:40]!r})", param="where")
        if op not in ("=", "!="):
            raise ScreenError(f"{name} is true or false: use = or != (got {op!r})", param="where")
        return Filter(name, op, raw.lower() == "true")
    if name in TEXTS:
        if op not in ("=", "!="):
            raise ScreenError(f"{name} is text: use = or != (got {op!r})", param="where")
        if not raw or len(raw) > 64:
            raise ScreenError(f"{name} needs a value of 1 to 64 characters", param="where")
        return Filter(name, op, raw)
    try:
        value = float(raw)
    except ValueError:
        raise ScreenError(f"{name} takes a number (got {raw[:40]!r})", param="where") from None
    if not math.isfinite(value):
        raise ScreenError(f"{name} takes a finite number (got {raw[:40]!r})", param="where")
    return Filter(name, op, value)


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    def text(self) -> str:
        return ("-" if self.descending else "") + self.field


def parse_sort(text: str | None) -> Sort:
    """`-pct_1d` (descending) or `rsi14`; a row without the value always goes last."""
    text = DEFAULT_SORT if text is None or text == "" else text
    name = text[1:] if text.startswith("-") else text
    if name not in FIELDS and name != "symbol":
        raise ScreenError(f"unknown sort key {name[:40]!r}", param="sort")
    return Sort(name, text.startswith("-"))


@dataclass
class Screen:
    """What to show: the session (None: the latest), group, sector, filters, sort and page; `preset`
    names the preset the filters and sort came from (its filters are in `filters`)."""

    as_of: date | None = None
    group: str = "all"
    sector: str | None = None
    filters: list[Filter] = field(default_factory=list)
    sort: Sort = field(default_factory=lambda: parse_sort(None))
    limit: int | None = 50
    offset: int = 0
    preset: str | None = None


@dataclass
class Result:
    as_of: date
    group: str
    count: int  # matches before limit and offset
    rows: list[dict[str, Any]]


def latest(conn: Connection) -> date | None:
    return conn.execute(select(func.max(table.c.as_of))).scalar()


def _condition(f: Filter) -> ColumnElement[bool]:
    if isinstance(f.value, bool):  # `IS NOT true` would match a row without a value
        return table.c[f.field].is_(f.value if f.op == "=" else not f.value)
    return snapshotcache.OPERATORS[f.op](table.c[f.field], f.value)


def _conditions(screen: Screen, as_of: date | ColumnElement[date]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [table.c.as_of == as_of]
    if screen.group == "sp500":
        conds.append(table.c.in_sp500.is_(True))
    elif screen.group == "etfs":
        conds.append(table.c.kind == "etf")
    if screen.sector:
        conds.append(table.c.sector == screen.sector)
    # A field with no value never matches, whatever the operator (SQL's NULL does that).
    conds += [_condition(f) for f in screen.filters]
    return conds


def run(conn: Connection, screen: Screen) -> Result:
    """The rows matching `screen`, sorted, one page of them, and how many match in all: from the
    snapshot this process holds in memory while it is current (snapshotcache), else by SQL."""
    if screen.group not in GROUPS:
        raise ScreenError(f"unknown group {screen.group[:40]!r}; use {', '.join(GROUPS)}", param="group")
    if screen.sort.field not in snapshotcache.TEXT_KEYS:
        held = snapshotcache.current(conn, screen.as_of, ROW_FIELDS)
        if held is not None:
            return _run_held(held, screen)
    return run_sql(conn, screen)


def _run_held(held: snapshotcache.Held, screen: Screen) -> Result:
    conditions: list[tuple[str, str, float | bool | str]] = []
    if screen.group == "sp500":
        conditions.append(("in_sp500", "=", True))
    elif screen.group == "etfs":
        conditions.append(("kind", "=", "etf"))
    if screen.sector:
        conditions.append(("sector", "=", screen.sector))
    conditions += [(f.field, f.op, f.value) for f in screen.filters]
    found = snapshotcache.matching(held, conditions)
    order = snapshotcache.ordered(held, found, screen.sort.field, screen.sort.descending)
    end = None if screen.limit is None else screen.offset + screen.limit
    rows = [dict(held.rows[i]) for i in order[screen.offset : end]]
    return Result(held.as_of, screen.group, len(found), rows)


def run_sql(conn: Connection, screen: Screen) -> Result:
    """`run` by the database alone: one statement answers the session, the page and the count (each
    round trip was a good part of a request's time on a busy machine); only an empty page (no
    match, or an offset past the end) asks again, for the count and the session."""
    session = screen.as_of or select(func.max(table.c.as_of)).scalar_subquery()
    conds = _conditions(screen, session)
    # Counted by an uncorrelated subquery (run once), so the page itself stays a top-N sort.
    count = select(func.count()).select_from(table).where(*conds).scalar_subquery()
    key = table.c[screen.sort.field]
    order = (key.desc() if screen.sort.descending else key.asc()).nulls_last()
    stmt = (
        select(table.c.as_of, count.label("match_count"), *[table.c[f] for f in ROW_FIELDS])
        .where(*conds)
        .order_by(order, table.c.symbol)
        .limit(screen.limit)
        .offset(screen.offset or None)
    )
    rows = conn.execute(stmt).mappings().all()
    if rows:
        first = rows[0]
        return Result(
            first["as_of"], screen.group, first["match_count"], [{f: r[f] for f in ROW_FIELDS} for r in rows]
        )
    as_of = screen.as_of or latest(conn)
    if as_of is None:
        raise NoSnapshot("no screener snapshot has been computed yet")
    total = conn.execute(
        select(func.count()).select_from(table).where(*_conditions(screen, as_of))
    ).scalar_one()
    if total == 0 and screen.as_of is not None and not _exists(conn, as_of):
        raise NoSnapshot(f"no screener snapshot for {as_of.isoformat()}")
    return Result(as_of, screen.group, total, [])


def _exists(conn: Connection, as_of: date) -> bool:
    return conn.execute(select(table.c.symbol).where(table.c.as_of == as_of).limit(1)).first() is not None


def read_snapshot(conn: Connection, as_of: date | None = None) -> tuple[date, list[dict[str, Any]]]:
    """Every row of one session's snapshot (default: the latest), by symbol: what daily alert
    rules test. NoSnapshot when there is none."""
    result = run(conn, Screen(as_of=as_of, sort=Sort("symbol", False), limit=None))
    return result.as_of, result.rows


# --- presets: the questions asked every day ------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    label: str
    filters: tuple[str, ...]
    sort: str
    column: str  # the figure the preset is about: kept visible on a phone


PRESETS: dict[str, Preset] = {
    "new_highs": Preset("New 52-week highs", ("new_high_52w=true",), "-pct_1d", "high_52w"),
    "new_lows": Preset("New 52-week lows", ("new_low_52w=true",), "pct_1d", "low_52w"),
    "unusual_volume": Preset("Unusual volume", ("relvol>=2",), "-relvol", "relvol"),
    "oversold": Preset("Oversold (RSI < 30)", ("rsi14<30",), "rsi14", "rsi14"),
    "overbought": Preset("Overbought (RSI > 70)", ("rsi14>70",), "-rsi14", "rsi14"),
    "golden_cross": Preset(
        "Golden cross, last 5 sessions", ("golden_cross_days<5",), "golden_cross_days", "golden_cross_days"
    ),
    "death_cross": Preset(
        "Death cross, last 5 sessions", ("death_cross_days<5",), "death_cross_days", "death_cross_days"
    ),
    "gap_up": Preset("Gap up ≥ 3 %", ("gap_pct>=3",), "-gap_pct", "gap_pct"),
    "gap_down": Preset("Gap down ≤ −3 %", ("gap_pct<=-3",), "gap_pct", "gap_pct"),
    "most_active": Preset("Most active ($ volume)", (), "-dollar_volume_20", "dollar_volume_20"),
    **{
        f"gainers_{h}": Preset(f"Top gainers, {HORIZON_LABELS[h]}", (), f"-pct_{h}", f"pct_{h}")
        for h in HORIZON_LABELS
    },
    **{
        f"losers_{h}": Preset(f"Top losers, {HORIZON_LABELS[h]}", (), f"pct_{h}", f"pct_{h}")
        for h in HORIZON_LABELS
    },
}
