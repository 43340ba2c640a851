"""The screener's daily snapshot: figures per symbol for one session, over the whole universe at once.

Everything is a matrix of sessions x symbols (the NYSE calendar, a missing bar a NaN), so one numpy
operation serves 8,700 symbols. Window figures (returns, 52-week range, SMAs, crosses, volume)
read the last `WINDOW` sessions. RSI 14 and ATR 14 are Wilder averages whose value depends on all
of a symbol's history, as TA-Lib computes them over the stored bars: the first snapshot runs the
recursion over the whole history (still one vectorised step per date), and each snapshot stores
the averages, so the next session's rolls them on by one bar instead of re-reading years.

Prices: returns use the adjusted close (as the movers do); everything else uses open, high, low
and close, which are stored split-adjusted on one basis (a split refetches a symbol's history,
docs/data.md), so a split day is neither a -75 % gap nor a new 52-week low. A refetch changes the
stored close of the previous snapshot's session: such a symbol's averages are recomputed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from stockdash import barmatrix, calendar
from stockdash.schema import SCREENER_FLAGS, SCREENER_FLOATS, SCREENER_INTS, screener_versions, securities
from stockdash.schema import screener as screener_table

log = logging.getLogger("stockdash.stats")

HORIZONS = {"1d": 1, "1w": 5, "1m": 21, "3m": 63, "6m": 126, "1y": 252}  # sessions back
YEAR = 252  # sessions in the 52-week range
CROSS_DAYS = 60  # a cross older than this many sessions has no value
PERIOD = 14  # RSI and ATR
# Sessions read for the window figures: an SMA 200 on each of the last CROSS_DAYS + 1 sessions,
# plus the one before the oldest to see a cross on it. Covers pct_1y (253) and YTD (<= 253).
WINDOW = 200 + CROSS_DAYS + 1
HISTORY_CHUNK = 500  # symbols whose whole history is read at once (bounds memory)
STATE = ("rsi_avg_gain", "rsi_avg_loss", "atr14")
SECURITY_FIELDS = ("name", "sector", "kind", "in_sp500")
FIELDS = (*SCREENER_FLOATS, *SCREENER_FLAGS, *SCREENER_INTS, "volume")
PRICES = ("open", "high", "low", "close", "adj_close", "volume")
TA_EPSILON = 1e-14  # TA-Lib's TA_IS_ZERO: no move at all gives RSI 0


def window_sessions(as_of: date, count: int = WINDOW) -> list[date]:
    """The `count` NYSE sessions ending with as_of (which must be one)."""
    cal = calendar.nyse()
    first = cal.session_offset(pd.Timestamp(as_of), -(count - 1))
    return [ts.date() for ts in cal.sessions_in_range(first, pd.Timestamp(as_of))]


# --- reading bars into matrices ----------------------------------------------------------------


@dataclass
class Matrix:
    """Bars as (dates x symbols) arrays, NaN where a symbol has no bar on a date."""

    dates: list[date]
    symbols: list[str]
    values: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def on(self, dates: list[date]) -> Matrix:
        """The rows of `dates` (a row of NaN for a date none of the symbols has a bar on)."""
        have = np.array(self.dates, dtype="datetime64[D]")
        want = np.array(dates, dtype="datetime64[D]")
        pos = np.minimum(np.searchsorted(have, want), max(len(have) - 1, 0))
        found = (pos < len(have)) & (have[pos] == want) if len(have) else np.zeros(len(want), dtype=bool)
        values = {}
        for name, matrix in self.values.items():
            out = np.full((len(dates), len(self.symbols)), np.nan)
            out[found] = matrix[pos[found]]
            values[name] = out
        return Matrix(list(dates), self.symbols, values)

    def columns(self, keep: np.ndarray) -> Matrix:
        """Only the symbols where `keep` is True."""
        symbols = [s for s, k in zip(self.symbols, keep, strict=True) if k]
        return Matrix(self.dates, symbols, {k: v[:, keep] for k, v in self.values.items()})


def read_matrix(
    conn: Connection,
    symbols: list[str],
    *,
    end: date,
    start: date | None = None,
    dates: list[date] | None = None,
) -> Matrix:
    """Bars of `symbols` from start (default: their first) to end, one row per date in `dates`
    (default: every date any of them has a bar on)."""
    bars = barmatrix.read(conn, symbols, start=start, end=end)
    if dates is None:
        days = np.unique(bars.day)
        dates = [d.item() for d in days.astype("datetime64[D]")]
    else:
        days = np.array(dates, dtype="datetime64[D]").astype(np.int64)
    row = np.searchsorted(days, bars.day)
    row_ok = row < len(days)
    keep = row_ok & (days[np.minimum(row, len(days) - 1)] == bars.day)  # a bar off the sessions is left out
    values = {}
    for name in PRICES:
        matrix = np.full((len(dates), len(symbols)), np.nan)
        matrix[row[keep], bars.symbol[keep]] = bars.values[name][keep]
        values[name] = matrix
    return Matrix(list(dates), list(symbols), values)


# --- Wilder averages, as TA-Lib computes RSI and ATR ------------------------------------------


@dataclass
class Wilder:
    """RSI 14 and ATR 14 state per symbol after its bars so far, as TA-Lib's recursions hold it.

    `changes` counts close-to-close steps seen; until it reaches PERIOD the averages hold sums
    (TA-Lib seeds both with a simple mean of the first 14 steps). Steps follow each symbol's own
    bars, so a missing session is skipped, as TA-Lib over the stored rows would skip it.
    """

    last: np.ndarray  # the previous bar's close
    changes: np.ndarray
    gain: np.ndarray
    loss: np.ndarray
    atr: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Wilder:
        zeros = np.zeros(n)
        return cls(np.full(n, np.nan), np.zeros(n, dtype=np.int64), zeros.copy(), zeros.copy(), zeros.copy())

    @classmethod
    def seeded(cls, last: np.ndarray, gain: np.ndarray, loss: np.ndarray, atr: np.ndarray) -> Wilder:
        """The state a stored snapshot row holds (past the seeding period)."""
        return cls(
            last.copy(), np.full(len(last), PERIOD + 1, dtype=np.int64), gain.copy(), loss.copy(), atr.copy()
        )

    def step(self, close: np.ndarray, high: np.ndarray, low: np.ndarray) -> None:
        """One date: every symbol with a bar on it and one before moves on by one bar."""
        bar = ~np.isnan(close)
        moved = bar & ~np.isnan(self.last)
        diff = close - self.last
        gain = np.where(diff > 0, diff, 0.0)
        loss = np.where(diff < 0, -diff, 0.0)
        # TA-Lib's TRANGE: the greatest of high-low and the previous close's distance to each.
        true_range = np.maximum(np.maximum(high - low, np.abs(self.last - high)), np.abs(self.last - low))
        self.changes = self.changes + moved
        seeding = moved & (self.changes <= PERIOD)
        rolling = moved & (self.changes > PERIOD)
        p = float(PERIOD)
        self.gain = np.where(
            seeding, self.gain + gain, np.where(rolling, (self.gain * (p - 1) + gain) / p, self.gain)
        )
        self.loss = np.where(
            seeding, self.loss + loss, np.where(rolling, (self.loss * (p - 1) + loss) / p, self.loss)
        )
        self.atr = np.where(
            seeding, self.atr + true_range, np.where(rolling, (self.atr * (p - 1) + true_range) / p, self.atr)
        )
        done = moved & (self.changes == PERIOD)  # the seed: a simple mean of the first 14
        self.gain = np.where(done, self.gain / p, self.gain)
        self.loss = np.where(done, self.loss / p, self.loss)
        self.atr = np.where(done, self.atr / p, self.atr)
        self.last = np.where(bar, close, self.last)

    def run(self, close: np.ndarray, high: np.ndarray, low: np.ndarray, *, start: int = 0) -> Wilder:
        for t in range(start, close.shape[0]):
            self.step(close[t], high[t], low[t])
        return self

    @property
    def ready(self) -> np.ndarray:
        return self.changes >= PERIOD

    def rsi(self) -> np.ndarray:
        total = self.gain + self.loss
        flat = np.abs(total) < TA_EPSILON
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(flat, 0.0, 100.0 * (self.gain / np.where(flat, 1.0, total)))
        return np.where(self.ready, value, np.nan)

    def atr14(self) -> np.ndarray:
        return np.where(self.ready, self.atr, np.nan)

    def columns(self, keep: np.ndarray) -> Wilder:
        """Only the symbols where `keep` is True."""
        return Wilder(*(getattr(self, f)[keep] for f in ("last", "changes", "gain", "loss", "atr")))

    def take(self, mask: np.ndarray) -> None:
        """Forget the state where `mask` is False (nothing to roll on from)."""
        for name in ("gain", "loss", "atr"):
            setattr(self, name, np.where(mask, getattr(self, name), np.nan))
        self.changes = np.where(mask, self.changes, 0)


def full_history_state(conn: Connection, symbols: list[str], as_of: date) -> Wilder:
    """The Wilder state after every stored bar up to as_of, in chunks of symbols."""
    parts = []
    for i in range(0, len(symbols), HISTORY_CHUNK):
        chunk = symbols[i : i + HISTORY_CHUNK]
        history = read_matrix(conn, chunk, end=as_of)
        parts.append(Wilder.empty(len(chunk)).run(history["close"], history["high"], history["low"]))
    if not parts:
        return Wilder.empty(0)
    return Wilder(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("last", "changes", "gain", "loss", "atr"))
    )


# --- the window figures --------------------------------------------------------------------------


def _pct(now: np.ndarray, then: np.ndarray) -> np.ndarray:
    """% change; no value where either end is missing or not positive (as the movers)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (now > 0) & (then > 0)
        return np.where(ok, (now / np.where(ok, then, 1.0) - 1.0) * 100.0, np.nan)


def _ratio_pct(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, (a / np.where(b > 0, b, 1.0) - 1.0) * 100.0, np.nan)


def _flag(condition: np.ndarray, *defined: np.ndarray) -> np.ndarray:
    """A boolean that is None where any input has no value."""
    out = condition.astype(object)
    missing = np.zeros(condition.shape, dtype=bool)
    for d in defined:
        missing |= np.isnan(d)
    out[missing] = None
    return out


def _sessions_since(event: np.ndarray) -> np.ndarray:
    """Rows from the last True to the last row (0: on it), NaN if none in the window (rows x symbols)."""
    rows = event.shape[0]
    last = rows - 1 - np.argmax(event[::-1], axis=0)
    return np.where(event.any(axis=0), (rows - 1 - last).astype(float), np.nan)


def _mean_last(matrix: np.ndarray, n: int, *, skip: int = 0) -> np.ndarray:
    """Mean of rows [-n-skip, -skip) per symbol; NaN if any of them is missing."""
    end = matrix.shape[0] - skip
    return matrix[end - n : end].mean(axis=0) if end - n >= 0 else np.full(matrix.shape[1], np.nan)


def _rolling_mean(matrix: np.ndarray, n: int, rows: int) -> np.ndarray:
    """Means of n rows ending at each of the last `rows` rows (NaN if a row in it is missing)."""
    return np.stack([_mean_last(matrix, n, skip=k) for k in range(rows - 1, -1, -1)])


def _year_end_row(sessions: list[date]) -> int | None:
    """The row of the last session of the year before the last row's year."""
    year = sessions[-1].year
    before = [i for i, d in enumerate(sessions) if d.year < year]
    return before[-1] if before else None


def window_figures(window: Matrix) -> dict[str, np.ndarray]:
    """Every figure that reads only the window, for the window's last session."""
    o, h, lo, c, adj, vol = (window[n] for n in PRICES)
    out: dict[str, np.ndarray] = {"close": c[-1], "volume": vol[-1]}
    for name, back in HORIZONS.items():
        out[f"pct_{name}"] = _pct(adj[-1], adj[-1 - back])
    ytd = _year_end_row(window.dates)
    out["pct_ytd"] = _pct(adj[-1], adj[ytd]) if ytd is not None else np.full(c.shape[1], np.nan)
    high, low = h[-YEAR:].max(axis=0), lo[-YEAR:].min(axis=0)  # NaN if a session lacks a bar
    out |= {"high_52w": high, "low_52w": low}
    out["from_high_52w_pct"] = _ratio_pct(c[-1], high)
    out["from_low_52w_pct"] = _ratio_pct(c[-1], low)
    out["new_high_52w"] = _flag(h[-1] >= high, high)
    out["new_low_52w"] = _flag(lo[-1] <= low, low)
    sma50 = _rolling_mean(c, 50, CROSS_DAYS + 2)
    sma200 = _rolling_mean(c, 200, CROSS_DAYS + 2)
    out |= {"sma50": sma50[-1], "sma200": sma200[-1]}
    out["above_sma50"] = _flag(c[-1] > sma50[-1], sma50[-1])
    out["above_sma200"] = _flag(c[-1] > sma200[-1], sma200[-1])
    both = ~np.isnan(sma50) & ~np.isnan(sma200)
    steady = both[1:] & both[:-1]
    golden = steady & (sma50[1:] > sma200[1:]) & (sma50[:-1] <= sma200[:-1])
    death = steady & (sma50[1:] < sma200[1:]) & (sma50[:-1] >= sma200[:-1])
    out["golden_cross_days"] = _sessions_since(golden)
    out["death_cross_days"] = _sessions_since(death)
    avg20 = _mean_last(vol, 20, skip=1)
    out["avg_volume_20"] = avg20
    with np.errstate(invalid="ignore", divide="ignore"):
        out["relvol"] = np.where(avg20 > 0, vol[-1] / np.where(avg20 > 0, avg20, 1.0), np.nan)
    out["gap_pct"] = _ratio_pct(o[-1], c[-2])
    out["dollar_volume_20"] = _mean_last(c * vol, 20)
    return out


# --- one session's snapshot ----------------------------------------------------------------------


def previous_snapshot(conn: Connection, as_of: date) -> date | None:
    """The latest stored snapshot before as_of."""
    return conn.execute(
        select(func.max(screener_table.c.as_of)).where(screener_table.c.as_of < as_of)
    ).scalar()


def _stored_state(conn: Connection, day: date, symbols: list[str]) -> pd.DataFrame:
    cols = [screener_table.c.symbol, screener_table.c.close, *[screener_table.c[c] for c in STATE]]
    stmt = select(*cols).where(screener_table.c.as_of == day, screener_table.c.symbol.in_(symbols))
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["symbol", "close", *STATE]).set_index("symbol")
    return frame.reindex(symbols).astype("float64")


def wilder_state(conn: Connection, window: Matrix, prev: date | None) -> tuple[Wilder, int]:
    """RSI/ATR state at the window's last session: rolled on from the snapshot of `prev` where it
    is usable, from the whole history elsewhere. Returns it and how many symbols were recomputed."""
    as_of, n = window.dates[-1], len(window.symbols)
    usable = np.zeros(n, dtype=bool)
    state = Wilder.empty(n)
    if prev is not None and prev >= window.dates[0]:
        row = window.dates.index(prev)
        stored = _stored_state(conn, prev, window.symbols)
        close_then = window["close"][row]
        # The same close as when the state was stored: no split refetch changed the basis since.
        with np.errstate(invalid="ignore"):
            same_basis = np.isclose(stored["close"].to_numpy(), close_then, rtol=1e-12, atol=0.0)
        usable = same_basis & stored[list(STATE)].notna().all(axis=1).to_numpy()
        state = Wilder.seeded(close_then, *(stored[c].to_numpy() for c in STATE))
        state.take(usable)
        state.run(window["close"], window["high"], window["low"], start=row + 1)
    redo = [s for s, ok in zip(window.symbols, usable, strict=True) if not ok]
    if redo:
        fresh = full_history_state(conn, redo, as_of)
        at = np.flatnonzero(~usable)
        for name in ("last", "changes", "gain", "loss", "atr"):
            merged = getattr(state, name).copy()
            merged[at] = getattr(fresh, name)
            setattr(state, name, merged)
    return state, len(redo)


def _security_frame(conn: Connection, symbols: list[str]) -> pd.DataFrame:
    cols = [securities.c.symbol, *[securities.c[c] for c in SECURITY_FIELDS]]
    rows = conn.execute(select(*cols).where(securities.c.symbol.in_(symbols))).all()
    return pd.DataFrame(rows, columns=["symbol", *SECURITY_FIELDS]).set_index("symbol")


def tracked(conn: Connection) -> list[str]:
    return list(conn.execute(select(securities.c.symbol).order_by(securities.c.symbol)).scalars())


@dataclass
class Snapshot:
    """One session's figures for some symbols, and how they were reached."""

    as_of: date
    frame: pd.DataFrame  # indexed by symbol, columns: SECURITY_FIELDS + FIELDS
    recomputed: int  # symbols whose RSI/ATR state was rebuilt from their whole history


def compute(
    conn: Connection, as_of: date, symbols: list[str] | None = None, *, full: bool = False
) -> Snapshot:
    """The snapshot of as_of (a session) for `symbols` (default: every tracked one) that have a bar
    on it; `full`: RSI/ATR from each symbol's whole history, not rolled on from the last snapshot."""
    symbols = tracked(conn) if symbols is None else symbols
    sessions = window_sessions(as_of)
    prev = None if full else previous_snapshot(conn, as_of)
    if prev is not None and prev < sessions[0]:
        prev = None  # too old to roll on from: the bars in between are outside the window
    parts = [
        _chunk(conn, symbols[i : i + HISTORY_CHUNK], sessions, prev)
        for i in range(0, len(symbols), HISTORY_CHUNK)
    ]
    frames = [frame for frame, _ in parts]
    frame = pd.concat(frames) if frames else pd.DataFrame(columns=[*SECURITY_FIELDS, *FIELDS])
    return Snapshot(as_of, frame, sum(n for _, n in parts))


def _chunk(
    conn: Connection, symbols: list[str], sessions: list[date], prev: date | None
) -> tuple[pd.DataFrame, int]:
    """One chunk of symbols' figures, and how many of them had RSI/ATR rebuilt from history.

    Without a snapshot to roll on from, the whole history is read once and the window taken from it.
    """
    as_of = sessions[-1]
    if prev is None:
        history = read_matrix(conn, symbols, end=as_of)
        window = history.on(sessions)
        state, redone = (
            Wilder.empty(len(symbols)).run(history["close"], history["high"], history["low"]),
            len(symbols),
        )
    else:
        window = read_matrix(conn, symbols, start=sessions[0], end=as_of, dates=sessions)
        state, redone = wilder_state(conn, window, prev)
    has_bar = ~np.isnan(window["close"][-1])
    window = window.columns(has_bar)
    state = state.columns(has_bar)
    figures = window_figures(window)
    rsi, atr = state.rsi(), state.atr14()
    close = window["close"][-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        atr_pct = np.where(close > 0, atr / np.where(close > 0, close, 1.0) * 100.0, np.nan)
    figures |= {"rsi14": rsi, "atr14": atr, "atr14_pct": atr_pct}
    figures |= {
        "rsi_avg_gain": np.where(state.ready, state.gain, np.nan),
        "rsi_avg_loss": np.where(state.ready, state.loss, np.nan),
    }
    frame = pd.DataFrame(
        {name: figures[name] for name in FIELDS}, index=pd.Index(window.symbols, name="symbol")
    )
    return _security_frame(conn, window.symbols).reindex(frame.index).join(frame), redone


# --- storing and reading ---------------------------------------------------------------------


def _records(frame: pd.DataFrame, as_of: date) -> Iterator[dict]:
    """Rows the drivers bind: floats, ints, bools or None."""
    floats = frame[list(SCREENER_FLOATS)].astype("float64")
    floats = floats.astype(object).where(floats.notna(), None)
    ints = frame[list(SCREENER_INTS) + ["volume"]].astype("float64")
    for symbol, f, i, flags, sec in zip(
        frame.index,
        floats.to_dict("records"),
        ints.to_dict("records"),
        frame[list(SCREENER_FLAGS)].to_dict("records"),
        frame[list(SECURITY_FIELDS)].to_dict("records"),
        strict=True,
    ):
        yield {
            "as_of": as_of,
            "symbol": symbol,
            "name": sec["name"] if isinstance(sec["name"], str) else symbol,
            "sector": sec["sector"] if isinstance(sec["sector"], str) else "",
            "kind": sec["kind"] if isinstance(sec["kind"], str) else "stock",
            "in_sp500": bool(sec["in_sp500"])
            if sec["in_sp500"] is not None and sec["in_sp500"] == sec["in_sp500"]
            else False,
            **f,
            **{k: None if v != v else int(v) for k, v in i.items()},
            **{k: None if v is None else bool(v) for k, v in flags.items()},
        }


WRITE_LOCK = 0x5D_5C4E


def store(conn: Connection, snap: Snapshot, symbols: list[str] | None = None) -> int:
    """Replace the rows of snap.as_of for `symbols` (default: all of that session) with the
    snapshot's: re-running gives the same rows, and a symbol without a bar any more loses its row."""
    if conn.dialect.name == "postgresql":
        # Two runs at once (clock and a hand-run) would both delete, then collide on insert.
        conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))
    same_day = screener_table.c.as_of == snap.as_of
    if symbols is None:
        conn.execute(delete(screener_table).where(same_day))
    for i in range(0, len(symbols or []), 1000):
        chunk = (symbols or [])[i : i + 1000]
        conn.execute(delete(screener_table).where(same_day, screener_table.c.symbol.in_(chunk)))
    rows = list(_records(snap.frame, snap.as_of))
    for i in range(0, len(rows), 2000):
        conn.execute(insert(screener_table), rows[i : i + 2000])
    _bump_version(conn, snap.as_of)
    return len(rows)


def _bump_version(conn: Connection, as_of: date) -> None:
    """The session's snapshot changed: a new version (none while it has no row). A random number,
    not a counter, so a database recreated under the same URL never repeats the one a reader holds."""
    versions = screener_versions
    before = conn.execute(select(versions.c.version).where(versions.c.as_of == as_of)).scalar()
    version = before
    while version == before:
        version = secrets.randbelow(2**31 - 1) + 1
    conn.execute(delete(versions).where(versions.c.as_of == as_of))
    held = select(screener_table.c.symbol).where(screener_table.c.as_of == as_of).limit(1)
    if conn.execute(held).first() is not None:
        conn.execute(insert(versions).values(as_of=as_of, version=version))
