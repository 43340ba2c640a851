"""What the dashboard, the API and `worker.py status` read: freshness, bars, movers views, status.

Reads only: nothing here fetches from a provider or writes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from cachetools import TTLCache
from sqlalchemy import Connection, Engine

from stockdash import calendar, movers, runs, store
from stockdash.runs import PULLS
from stockdash.universe import catalogue

# A sector map only changes when a new snapshot is stored, and a snapshot is keyed by its date.
_sector_maps: TTLCache = TTLCache(maxsize=64, ttl=300)
_sector_maps_lock = threading.Lock()


@dataclass
class Freshness:
    provider: str | None  # whose data the database holds: demo, yahoo, None (empty)
    last_pull: datetime | None
    latest_bar: date | None

    @property
    def is_demo(self) -> bool:
        return self.provider == "demo"


def freshness(engine: Engine) -> Freshness:
    """Whose data is shown, when the last pull succeeded and the newest stored session."""
    with engine.connect() as conn:
        provider = store.dataset_provider(conn)
        latest = store.latest_date(conn)
    pulled = runs.last_success(engine, *PULLS)
    return Freshness(
        provider=provider, last_pull=_utc(pulled["finished_at"]) if pulled else None, latest_bar=latest
    )


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def is_stale(last: date | None, *, stale_after_hours: int, now: datetime | None = None) -> bool:
    """Missing bars, or a newer session has closed and the last bar is older than STALE_AFTER_HOURS."""
    if last is None:
        return True
    now = now or datetime.now(UTC)
    if last >= calendar.last_closed_session(now):
        return False
    return now - calendar.close_time(last) > timedelta(hours=stale_after_hours)


def last_dates(engine: Engine, symbols: list[str]) -> dict[str, date]:
    with engine.connect() as conn:
        return store.last_dates(conn, symbols)


def bars(
    conn: Connection, symbol: str, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Stored bars with datetime64 dates, which the figure builders slice and plot."""
    frame = store.load_bars(conn, symbol, start=start, end=end)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def movers_view(engine: Engine, *, horizon: str, group: str, as_of: date | None = None) -> dict:
    """The stored snapshot (movers.read) plus the sector map rows; NoData when nothing is stored.

    The first view of a day's snapshot computes the sector rows of every horizon and group at once
    (one read of five days' bars): a visitor's next click, 1w after 1d, is then as fast as the first.
    """
    with engine.connect() as conn:
        snap = movers.read(conn, as_of=as_of, horizon=horizon, group=group)
        key = (str(engine.url), snap["as_of"], horizon, group)
        with _sector_maps_lock:
            sectors = _sector_maps.get(key)
        if sectors is None:
            every = _sector_rows_every_view(conn, date.fromisoformat(snap["as_of"]))
            with _sector_maps_lock:
                for (h, g), rows in every.items():
                    _sector_maps[(str(engine.url), snap["as_of"], h, g)] = rows
            sectors = every[(horizon, group)]
    return {**snap, "sectors": sectors}


def _sector_rows_every_view(conn: Connection, day: date) -> dict[tuple[str, str], pd.DataFrame]:
    """_sector_rows of every (horizon, group) on `day`."""
    by_horizon = movers.changes_every_horizon(conn, day)
    tracked = pd.Index(sorted(set().union(*(frame.index for frame in by_horizon.values()))))
    members = {group: set(movers.group_members(conn, group, tracked)) for group in movers.GROUPS}
    return {
        (horizon, group): _sector_rows(changes[changes.index.isin(members[group])])
        for horizon, changes in by_horizon.items()
        for group in movers.GROUPS
    }


def _sector_rows(changes: pd.DataFrame) -> pd.DataFrame:
    """Every member's change with its name, its sector (ETFs their category) and dollar volume."""
    frame = changes.join(catalogue()[["name", "sector", "kind"]], how="left")
    frame["sector"] = frame["sector"].fillna("").replace("", pd.NA)
    frame.loc[frame["kind"] == "etf", "sector"] = frame["sector"].fillna("ETFs")
    frame["sector"] = frame["sector"].fillna("Other")
    frame["name"] = frame["name"].fillna(pd.Series(frame.index, index=frame.index))
    frame["dollar_volume"] = (frame["close"] * frame["volume"].astype("float64")).fillna(0.0)
    return frame.reset_index(names="symbol")


def status(engine: Engine) -> dict:
    """What the database holds and how fresh it is (`worker.py status`)."""
    with engine.connect() as conn:
        info: dict[str, object] = {
            "provider": store.dataset_provider(conn),
            "latest_bar": store.latest_date(conn),
            "latest_movers": next(iter(movers.snapshot_dates(conn, 1)), None),
            **store.counts(conn),
        }
    info["last_pull"] = runs.last_success(engine, *PULLS)
    info["recent_runs"] = runs.recent(engine, 10)
    return info
