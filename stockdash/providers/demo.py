"""Offline demo prices: deterministic, realistic-looking daily bars for the shipped universe.

The same symbol and date always give the same price, whatever range is asked, so repeated
pulls agree. Like Yahoo, prices are split-adjusted as of `today` (a split after a stored bar
changes its basis, and the split shows in `actions`) and `adj_close` also removes dividends.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from stockdash import calendar
from stockdash.providers import demo_markets
from stockdash.providers.base import ACTION_COLUMNS, BAR_COLUMNS, FetchResult, empty_minutes
from stockdash.providers.demo_minutes import minutes_from_daily
from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import catalogue

FIRST_DATE = date(2000, 1, 3)
ANCHOR_DATE = date(2026, 1, 2)  # prices are pinned here, so they never depend on `today`

# Real splits of well-known names: (date, ratio).
SPLITS: dict[str, list[tuple[date, float]]] = {
    "AAPL": [(date(2005, 2, 28), 2), (date(2014, 6, 9), 7), (date(2020, 8, 31), 4)],
    "NVDA": [(date(2021, 7, 20), 4), (date(2024, 6, 10), 10)],
    "TSLA": [(date(2020, 8, 31), 5), (date(2022, 8, 25), 3)],
    "AMZN": [(date(2022, 6, 6), 20)],
    "GOOGL": [(date(2022, 7, 18), 20)],
    "GOOG": [(date(2022, 7, 18), 20)],
    "AVGO": [(date(2024, 7, 15), 10)],
    "WMT": [(date(2024, 2, 26), 3)],
    "CMG": [(date(2024, 6, 26), 50)],
    "ORLY": [(date(2025, 6, 10), 15)],
    "NFLX": [(date(2025, 11, 17), 10)],
}


def _seed(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode())


@lru_cache
def _sessions() -> pd.DatetimeIndex:
    return pd.DatetimeIndex(calendar.sessions(FIRST_DATE, calendar.nyse().last_session.date()))


@lru_cache
def _factor(name: str, vol: float) -> np.ndarray:
    """A shared daily return series (the market, or a sector) so stocks move together."""
    return 0.0002 + vol * np.random.default_rng(_seed("factor", name)).standard_normal(len(_sessions()))


# Daily dollar volume and share price ranges by importance (3 x index membership + size, see
# scripts/build_universe.py), so tables and the treemap look like a market: a mega cap trades
# tens of billions a day, an S&P 500 member hundreds of millions, an unknown listing far less.
DOLLAR_VOLUME = {
    5: (6e9, 3e10),
    4: (4e8, 3e9),
    3: (1.5e8, 1.2e9),
    2: (1e9, 6e9),
    1: (5e7, 4e8),
    0: (2e5, 3e7),
}
PRICE = {5: (90, 700), 4: (40, 450), 3: (25, 350), 2: (60, 400), 1: (15, 200), 0: (2, 80)}


def _log_uniform(rng: np.random.Generator, low_high: tuple[float, float]) -> float:
    low, high = low_high
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _profile(symbol: str) -> dict:
    rng = np.random.default_rng(_seed("profile", symbol))
    rec = catalogue().loc[symbol]
    sector, is_etf, importance = rec["sector"], rec["kind"] == "etf", int(rec["importance"])
    level = _log_uniform(rng, PRICE[importance])
    return {
        "sector": sector or "Other",
        "beta": rng.uniform(0.6, 1.0) if is_etf else rng.uniform(0.6, 1.5),
        "idio": rng.uniform(0.002, 0.006) if is_etf else rng.uniform(0.008, 0.022),
        "level": level,
        "volume": _log_uniform(rng, DOLLAR_VOLUME[importance]) / level,
        "quarterly_yield": rng.choice([0.0, rng.uniform(0.001, 0.01)], p=[0.35, 0.65]),
        "dividend_offset": int(rng.integers(0, 63)),
    }


def _noise(symbol: str, n: int) -> dict[str, np.ndarray]:
    """Standard normal draws per day, one generator per series: day i gets the same value
    however many days are drawn (the calendar's end moves forward every day)."""
    return {
        name: np.random.default_rng(_seed(name, symbol)).standard_normal(n)
        for name in ("return", "gap", "high", "low", "volume")
    }


@lru_cache(maxsize=4096)
def _series(symbol: str) -> pd.DataFrame:
    """The symbol's whole history on the economic (post-every-split) price basis."""
    if demo_markets.covers(symbol):  # indices, yields, futures, currencies, crypto: their own levels
        return demo_markets.series(symbol, _sessions())
    p = _profile(symbol)
    idx = _sessions()
    n = len(idx)
    noise = _noise(symbol, n)
    returns = p["beta"] * _factor("market", 0.009) + 0.5 * _factor(p["sector"], 0.006)
    returns = returns + noise["return"] * p["idio"]
    div_days = np.zeros(n, dtype=bool)
    if p["quarterly_yield"]:
        div_days[p["dividend_offset"] :: 63] = True
        returns = returns - div_days * p["quarterly_yield"]  # the price drops by the dividend
    log_close = np.cumsum(returns)
    anchor = idx.searchsorted(pd.Timestamp(ANCHOR_DATE))
    close = p["level"] * np.exp(log_close - log_close[anchor])
    prev = np.concatenate([[close[0]], close[:-1]])
    open_ = prev * np.exp(noise["gap"] * p["idio"] * 0.3)
    high = np.maximum(open_, close) * np.exp(np.abs(noise["high"]) * p["idio"] * 0.6)
    low = np.minimum(open_, close) * np.exp(-np.abs(noise["low"]) * p["idio"] * 0.6)
    volume = (p["volume"] * np.exp(noise["volume"] * 0.35 + 8 * np.abs(returns))).astype("int64")
    dividend = np.where(div_days, prev * p["quarterly_yield"], 0.0)
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume, "dividend": dividend},
        index=idx,
    )


def _split_factor(dates: pd.DatetimeIndex, splits: list[tuple[date, float]], today: date) -> np.ndarray:
    """Multiplier from the economic basis to 'adjusted as of today': splits after today undone."""
    factor = np.ones(len(dates))
    for day, ratio in splits:
        if day > today:
            factor *= ratio  # not happened yet: bars are still on the pre-split basis
    return factor


def _dividend_factor(frame: pd.DataFrame, today: date) -> np.ndarray:
    """Yahoo's backward dividend adjustment: each ex-date up to today scales earlier bars."""
    div = frame["dividend"].to_numpy()
    ratio = np.where(div > 0, 1 - div / frame["close"].shift(1).bfill().to_numpy(), 1.0)
    ratio[frame.index > pd.Timestamp(today)] = 1.0
    # Factor for day t is the product of ratios of ex-dates strictly after t.
    after = np.cumprod(ratio[::-1])[::-1]
    return np.concatenate([after[1:], [1.0]])


class DemoProvider:
    """Deterministic offline data for every symbol of the shipped universe files."""

    name = "demo"

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today

    def _today(self) -> date:
        return self.today or calendar.last_closed_session(datetime.now(calendar.NEW_YORK))

    def fetch_daily(self, symbols: Sequence[str], *, start: date, end: date) -> FetchResult:
        today = self._today()
        end = min(end, today)
        bars, actions, failures = [], [], {}
        for symbol in symbols:
            try:
                frame, acts = self._one(normalise(symbol), start, end, today)
            except InvalidSymbol as exc:
                failures[symbol] = str(exc)
                continue
            except KeyError:
                failures[symbol] = "unknown symbol: demo data covers the shipped universe only"
                continue
            if frame.empty:
                failures[symbol] = "no data in the requested range"
            bars.append(frame)
            actions.extend(acts)
        result = FetchResult(failures=failures)
        frames = [b for b in bars if not b.empty]
        if frames:
            result.bars = pd.concat(frames, ignore_index=True)[BAR_COLUMNS]
        if actions:
            result.actions = pd.DataFrame(actions, columns=ACTION_COLUMNS)
        return result

    def fetch_minutes(self, symbol: str, *, start: datetime, end: datetime) -> pd.DataFrame:
        """Minutes of the sessions closed by `end` (a demo cannot know an unfinished day), walking
        through each day's stored-alike daily bar; empty for a symbol outside the universe."""
        today = calendar.last_closed_session(end)
        try:
            daily, _ = self._one(normalise(symbol), start.astimezone(calendar.NEW_YORK).date(), today, today)
        except (InvalidSymbol, KeyError):
            return empty_minutes()
        return minutes_from_daily(normalise(symbol), daily, start=start, end=end)

    def _one(self, symbol: str, start: date, end: date, today: date) -> tuple[pd.DataFrame, list]:
        if symbol not in catalogue().index:
            raise KeyError(symbol)
        full = _series(symbol)
        full = full[full.index <= pd.Timestamp(today)]
        splits = SPLITS.get(symbol, [])
        factor = _split_factor(full.index, splits, today)
        adj = _dividend_factor(full, today)
        window = (full.index >= pd.Timestamp(start)) & (full.index <= pd.Timestamp(end))
        f = full[window]
        k = factor[window]
        frame = pd.DataFrame(
            {
                "symbol": symbol,
                "date": f.index.date,
                "open": f["open"].to_numpy() * k,
                "high": f["high"].to_numpy() * k,
                "low": f["low"].to_numpy() * k,
                "close": f["close"].to_numpy() * k,
                "adj_close": f["close"].to_numpy() * k * adj[window],
                "volume": (f["volume"].to_numpy() / k).astype("int64"),
            }
        )
        acts = [(symbol, d, "split", float(r)) for d, r in splits if start <= d <= min(end, today)]
        divs = f[f["dividend"] > 0]
        acts += [
            (symbol, ts.date(), "dividend", round(float(v * k0), 4))
            for ts, v, k0 in zip(divs.index, divs["dividend"], k[(f["dividend"] > 0).to_numpy()], strict=True)
        ]
        return frame, acts
