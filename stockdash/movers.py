"""Top gainers and losers: % change of adjusted close over trading-day horizons, per group.

Adjusted close makes a split or a dividend a non-event: a 4:1 split is never a -75 % loser.
Horizons count NYSE sessions (1w = 5, 1m = 21, 1y = 252), not calendar days or rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from stockdash import calendar
from stockdash.schema import movers, securities
from stockdash.store import bars_on
from stockdash.universe import MARKET_KINDS, catalogue, name_of

HORIZONS = {"1d": 1, "1w": 5, "1m": 21, "1y": 252}
HORIZON_LABELS = {"1d": "1 day", "1w": "1 week", "1m": "1 month", "1y": "1 year"}
GROUPS = ("sp500", "etfs", "all")
TOP_N = 10
MOVERS_WRITE_LOCK = 0x5D_0A0E
ROW_FIELDS = ["symbol", "name", "sector", "close", "prev_close", "change", "pct_change", "volume"]


class NoData(LookupError):
    """Nothing stored to compute or show movers from."""


def start_date(as_of: date, horizon: str) -> date:
    """The session `HORIZONS[horizon]` trading days before as_of."""
    cal = calendar.nyse()
    session = pd.Timestamp(as_of)
    if not cal.is_session(session):
        session = cal.date_to_session(session, direction="previous")
    return cal.session_offset(session, -HORIZONS[horizon]).date()


def changes(conn: Connection, as_of: date, horizon: str) -> pd.DataFrame:
    """Every symbol with bars on both ends: close, prev_close, change, pct_change (in %), volume."""
    start = start_date(as_of, horizon)
    return _changes_from(bars_on(conn, [start, as_of]), start, as_of)


def changes_every_horizon(conn: Connection, as_of: date) -> dict[str, pd.DataFrame]:
    """`changes` for every horizon from one read of the five days they need (not four reads)."""
    starts = {horizon: start_date(as_of, horizon) for horizon in HORIZONS}
    bars = bars_on(conn, [as_of, *dict.fromkeys(starts.values())])
    return {horizon: _changes_from(bars, start, as_of) for horizon, start in starts.items()}


def _changes_from(bars: pd.DataFrame, start: date, as_of: date) -> pd.DataFrame:
    end = bars[bars["date"] == as_of].set_index("symbol")
    begin = bars[bars["date"] == start].set_index("symbol")
    both = end.join(begin[["adj_close"]].rename(columns={"adj_close": "adj_close_start"}), how="inner")
    both = both[(both["adj_close_start"] > 0) & (both["adj_close"] > 0)]
    ratio = both["adj_close"] / both["adj_close_start"]
    out = pd.DataFrame(index=both.index)
    out["close"] = both["close"]
    # The earlier close on today's price basis, so change and % change always agree.
    out["prev_close"] = both["close"] / ratio
    out["change"] = out["close"] - out["prev_close"]
    out["pct_change"] = (ratio - 1.0) * 100.0
    out["volume"] = both["volume"]
    return out


def group_members(conn: Connection, group: str, symbols: pd.Index) -> pd.Index:
    if group == "all":  # every share and fund tracked; an index or a currency is no "mover"
        others = select(securities.c.symbol).where(securities.c.kind.in_(sorted(MARKET_KINDS)))
        return symbols[~symbols.isin(set(conn.execute(others).scalars()))]
    cond = securities.c.in_sp500.is_(True) if group == "sp500" else securities.c.kind == "etf"
    members = set(conn.execute(select(securities.c.symbol).where(cond)).scalars())
    return symbols[symbols.isin(members)]


def top_and_bottom(frame: pd.DataFrame, n: int = TOP_N) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The n largest and n smallest % changes; a symbol is never on both sides."""
    ordered = frame.sort_values(["pct_change"], ascending=False, kind="stable")
    gainers = ordered.head(n)
    losers = ordered.drop(gainers.index).sort_values("pct_change", kind="stable").head(n)
    return gainers, losers


def _snapshot_rows(part: pd.DataFrame, **key: Any) -> list[dict]:
    """Movers-table rows for one ranked side: plain floats and ints (or None) the drivers bind."""
    volumes = [None if pd.isna(v) else int(v) for v in part["volume"]]
    prices = part[["close", "prev_close", "change", "pct_change"]].astype("float64").to_dict("records")
    return [
        {**key, "rank": rank, "symbol": symbol, **price, "volume": volume}
        for rank, (symbol, price, volume) in enumerate(zip(part.index, prices, volumes, strict=True), 1)
    ]


def compute_snapshot(conn: Connection, as_of: date) -> list[dict]:
    """Rows of the movers table for every horizon x group on as_of."""
    rows = []
    for horizon, frame in changes_every_horizon(conn, as_of).items():
        for group in GROUPS:
            members = frame.loc[group_members(conn, group, frame.index)]
            gainers, losers = top_and_bottom(members)
            for side, part in (("gainer", gainers), ("loser", losers)):
                rows += _snapshot_rows(part, as_of=as_of, horizon=horizon, grp=group, side=side)
    return rows


def store_snapshot(conn: Connection, as_of: date, rows: list[dict]) -> int:
    """Replace the snapshot of as_of: re-running gives the same rows, never duplicates."""
    if conn.dialect.name == "postgresql":
        # Two runs at once (clock and a hand-run) would both delete, then collide on insert.
        conn.execute(select(func.pg_advisory_xact_lock(MOVERS_WRITE_LOCK)))
    conn.execute(delete(movers).where(movers.c.as_of == as_of))
    if rows:
        conn.execute(insert(movers), rows)
    return len(rows)


def snapshot_dates(conn: Connection, limit: int = 30) -> list[date]:
    stmt = select(movers.c.as_of).distinct().order_by(movers.c.as_of.desc()).limit(limit)
    return list(conn.execute(stmt).scalars())


def read(conn: Connection, *, as_of: date | None = None, horizon: str = "1d", group: str = "sp500") -> dict:
    """A stored snapshot as {as_of, horizon, group, gainers, losers}; NoData when there is none."""
    if as_of is None:
        as_of = conn.execute(
            select(func.max(movers.c.as_of)).where(movers.c.horizon == horizon, movers.c.grp == group)
        ).scalar()
    if as_of is None:
        raise NoData("no movers have been computed yet")
    stmt = (
        select(movers)
        .where(movers.c.as_of == as_of, movers.c.horizon == horizon, movers.c.grp == group)
        .order_by(movers.c.side, movers.c.rank)
    )
    rows = conn.execute(stmt).mappings().all()
    if not rows and not conn.execute(select(movers.c.as_of).where(movers.c.as_of == as_of).limit(1)).first():
        raise NoData(f"no movers snapshot for {as_of.isoformat()}")
    cat = catalogue()

    def shape(side: str) -> list[dict]:
        return [
            {
                **{f: r[f] for f in ROW_FIELDS if f not in ("name", "sector")},
                "name": name_of(r["symbol"]),
                "sector": str(cat.at[r["symbol"], "sector"]) if r["symbol"] in cat.index else "",
            }
            for r in rows
            if r["side"] == side
        ]

    return {
        "as_of": as_of.isoformat(),
        "horizon": horizon,
        "group": group,
        "gainers": shape("gainer"),
        "losers": shape("loser"),
    }
