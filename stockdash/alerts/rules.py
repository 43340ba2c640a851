"""The owner's rules in the database: add, list, remove, turn on and off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, RowMapping, delete, select, update

from stockdash.alerts.channels import Channel, parse_selection
from stockdash.alerts.crossing import State
from stockdash.alerts.kinds import INTRADAY, Kind, check_value
from stockdash.db import utc
from stockdash.schema import alert_rules
from stockdash.symbols import normalise

NOTE_MAX = 200


@dataclass(frozen=True)
class Rule:
    id: int
    symbol: str
    kind: Kind
    value: float
    minutes: int | None
    channels: str  # "" = all, else "1,3"
    note: str
    enabled: bool
    state: State

    def describe(self) -> str:
        """`AAPL price_above 200` / `MSFT pct_window 2 in 15 min` for lists and logs."""
        what = f"{self.symbol} {self.kind} {self.value:g}"
        if self.minutes:
            what += f" in {self.minutes} min"
        return what


def _when(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


def from_row(row: RowMapping) -> Rule:
    return Rule(
        id=row["id"],
        symbol=row["symbol"],
        kind=Kind(row["kind"]),
        value=row["value"],
        minutes=row["minutes"],
        channels=row["channels"],
        note=row["note"],
        enabled=bool(row["enabled"]),
        state=State(
            seq=row["seq"],
            armed=bool(row["armed"]),
            fired=bool(row["fired"]),
            fired_at=_when(row["fired_at"]),
            seen_at=_when(row["seen_at"]),
        ),
    )


def add(
    conn: Connection,
    *,
    symbol: str,
    kind: str,
    value: float | None,
    channels: list[Channel],
    minutes: int | None = None,
    select_channels: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Rule:
    """Store a new rule; ValueError (or InvalidSymbol) with a plain message when it cannot be one."""
    try:
        rule_kind = Kind(kind)
    except ValueError:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(k.value for k in Kind)}") from None
    stored_value, stored_minutes = check_value(rule_kind, value, minutes)
    if len(note) > NOTE_MAX:
        raise ValueError(f"a note is at most {NOTE_MAX} characters")
    row = {
        "symbol": normalise(symbol),
        "kind": rule_kind.value,
        "value": stored_value,
        "minutes": stored_minutes,
        "channels": parse_selection(select_channels, channels),
        "note": note.strip(),
        "enabled": True,
        "created_at": now or datetime.now(UTC),
    }
    new_id = conn.execute(alert_rules.insert().values(**row).returning(alert_rules.c.id)).scalar_one()
    return get(conn, new_id)  # type: ignore[return-value]


def get(conn: Connection, rule_id: int) -> Rule | None:
    row = conn.execute(select(alert_rules).where(alert_rules.c.id == rule_id)).mappings().first()
    return from_row(row) if row else None


def all_rules(
    conn: Connection, *, enabled_only: bool = False, kinds: frozenset[Kind] | None = None
) -> list[Rule]:
    stmt = select(alert_rules).order_by(alert_rules.c.symbol, alert_rules.c.id)
    if enabled_only:
        stmt = stmt.where(alert_rules.c.enabled.is_(True))
    if kinds is not None:
        stmt = stmt.where(alert_rules.c.kind.in_([k.value for k in kinds]))
    return [from_row(r) for r in conn.execute(stmt).mappings()]


def remove(conn: Connection, rule_id: int) -> bool:
    return conn.execute(delete(alert_rules).where(alert_rules.c.id == rule_id)).rowcount > 0


def set_enabled(conn: Connection, rule_id: int, enabled: bool) -> bool:
    stmt = update(alert_rules).where(alert_rules.c.id == rule_id).values(enabled=enabled)
    return conn.execute(stmt).rowcount > 0


def intraday_symbols(conn: Connection) -> list[str]:
    """Symbols an enabled intraday rule watches: they join the live set."""
    stmt = (
        select(alert_rules.c.symbol)
        .distinct()
        .where(alert_rules.c.enabled.is_(True), alert_rules.c.kind.in_([k.value for k in INTRADAY]))
        .order_by(alert_rules.c.symbol)
    )
    return list(conn.execute(stmt).scalars())
