"""Technical indicators with TA-Lib's definitions, on bars in date order (numpy and pandas only).

SMA; EMA seeded with the SMA of its first N values; RSI and ATR with Wilder's smoothing (seeded
with the mean of the first N changes or true ranges); MACD 12/26/9 as EMA12 - EMA26 with its
signal the EMA9 of that line; Bollinger 20 with two population standard deviations.

A recursive indicator (EMA, RSI, ATR, MACD) remembers every earlier bar, so callers compute over
the whole stored history and slice afterwards: the value for a date never depends on the window
shown. The recursions run in pandas' compiled `ewm(adjust=False)`, seeded by hand.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

MIN_PERIOD, MAX_PERIOD = 2, 400
_MOVING = re.compile(r"(sma|ema)([1-9][0-9]{0,2})")


class UnknownIndicator(ValueError):
    """An indicator name we do not compute; the message names it."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown indicator {name[:40]!r}: use smaN or emaN (N from {MIN_PERIOD} to {MAX_PERIOD}), "
            "rsi14, macd, bb20, atr14"
        )
        self.name = name


@dataclass(frozen=True)
class Spec:
    """One indicator asked for: its kind and period (MACD's are 12/26/9, Bollinger's 20)."""

    kind: str  # sma | ema | rsi | macd | bb | atr
    period: int = 0

    @property
    def name(self) -> str:
        return "macd" if self.kind == "macd" else f"{self.kind}{self.period or ''}"

    @property
    def columns(self) -> list[str]:
        """The fields it adds to each bar."""
        if self.kind == "macd":
            return ["macd", "macd_signal", "macd_hist"]
        if self.kind == "bb":
            return ["bb20_upper", "bb20_middle", "bb20_lower"]
        return [self.name]


def parse_one(name: str) -> Spec:
    """`sma20`, `ema50`, `rsi14`, `macd`, `bb20`, `atr14` as a Spec; UnknownIndicator else."""
    text = name.strip().lower()
    found = _MOVING.fullmatch(text)
    if found and MIN_PERIOD <= int(found.group(2)) <= MAX_PERIOD:
        return Spec(found.group(1), int(found.group(2)))
    fixed = {"rsi14": Spec("rsi", 14), "macd": Spec("macd"), "bb20": Spec("bb", 20), "atr14": Spec("atr", 14)}
    if text in fixed:
        return fixed[text]
    raise UnknownIndicator(name)


def parse(names: str | Iterable[str]) -> list[Spec]:
    """Distinct specs in the order given, from a comma-separated string or a list of names;
    an empty name between commas is malformed, not skipped."""
    raw = (names.split(",") if names.strip() else []) if isinstance(names, str) else list(names)
    return list(dict.fromkeys(parse_one(n if isinstance(n, str) else repr(n)) for n in raw))


def sma(values: np.ndarray, n: int) -> np.ndarray:
    """Mean of the last n values; NaN for the first n - 1 (a running sum, so O(len))."""
    out = np.full(len(values), np.nan)
    if len(values) < n:
        return out
    sums = np.cumsum(np.concatenate([[0.0], values]))
    out[n - 1 :] = (sums[n:] - sums[:-n]) / n
    return out


def _seeded(values: np.ndarray, n: int, alpha: float, first: int = 0) -> np.ndarray:
    """y[t] = y[t-1] + alpha (x[t] - y[t-1]) from t = first + n, seeded at first + n - 1 with the
    mean of values[first : first + n]; NaN before. `first` skips a leading run of NaN."""
    out = np.full(len(values), np.nan)
    seed_at = first + n - 1
    if len(values) <= seed_at:
        return out
    tail = values[seed_at:].astype("float64", copy=True)
    tail[0] = values[first : first + n].mean()
    out[seed_at:] = pd.Series(tail).ewm(alpha=alpha, adjust=False).mean().to_numpy()
    return out


def ema(values: np.ndarray, n: int) -> np.ndarray:
    """TA-Lib's EMA: alpha 2 / (n + 1), seeded with the SMA of the first n values (leading NaN skipped)."""
    valid = np.flatnonzero(~np.isnan(values))
    first = int(valid[0]) if len(valid) else len(values)
    return _seeded(values, n, 2.0 / (n + 1), first)


def wilder(values: np.ndarray, n: int, first: int) -> np.ndarray:
    """Wilder's smoothing (alpha 1 / n) seeded with the mean of n values from `first`."""
    return _seeded(values, n, 1.0 / n, first)


def rsi(close: np.ndarray, n: int = 14) -> np.ndarray:
    """TA-Lib's RSI: Wilder averages of gains and losses, first value at index n."""
    change = np.concatenate([[np.nan], np.diff(close)])
    gain = wilder(np.where(change > 0, change, 0.0), n, 1)
    loss = wilder(np.where(change < 0, -change, 0.0), n, 1)
    total = gain + loss
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, 100.0 * gain / total, 0.0)
    out[np.isnan(total)] = np.nan
    return out


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int = 14) -> np.ndarray:
    """TA-Lib's ATR: Wilder average of the true range from the second bar, first value at index n."""
    prev = np.concatenate([[np.nan], close[:-1]])
    true_range = np.fmax(high, prev) - np.fmin(low, prev)
    return wilder(true_range, n, 1)


def macd(close: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(line, signal, histogram): EMA12 - EMA26, its EMA9 (seeded from the line's first 9 values)."""
    line = ema(close, 12) - ema(close, 26)
    signal = ema(line, 9)
    return line, signal, line - signal


def bollinger(close: np.ndarray, n: int = 20, k: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(upper, middle, lower): SMA n plus and minus k population standard deviations."""
    middle = sma(close, n)
    std = pd.Series(close).rolling(n, min_periods=n).std(ddof=0).to_numpy()
    return middle + k * std, middle, middle - k * std


def vwap(
    high: ArrayLike, low: ArrayLike, close: ArrayLike, volume: ArrayLike, sessions: Sequence[Hashable]
) -> np.ndarray:
    """Volume-weighted typical price, anchored at each session's start (`sessions` labels the bars)."""
    typical = (np.asarray(high, float) + np.asarray(low, float) + np.asarray(close, float)) / 3
    vol = np.asarray(volume, float)
    frame = pd.DataFrame({"pv": typical * vol, "v": vol, "s": np.asarray(sessions)})
    grouped = frame.groupby("s", sort=False)
    cum_v = grouped["v"].cumsum().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = grouped["pv"].cumsum().to_numpy() / cum_v
    return np.where(cum_v > 0, out, typical)


def compute(bars: pd.DataFrame, specs: Iterable[Spec]) -> dict[str, np.ndarray]:
    """The columns of each spec over all of `bars`, in the order asked."""
    close = bars["close"].to_numpy(dtype="float64")
    out: dict[str, np.ndarray] = {}
    for spec in specs:
        if spec.kind == "sma":
            out[spec.name] = sma(close, spec.period)
        elif spec.kind == "ema":
            out[spec.name] = ema(close, spec.period)
        elif spec.kind == "rsi":
            out[spec.name] = rsi(close, spec.period)
        elif spec.kind == "atr":
            high, low = (bars[c].to_numpy(dtype="float64") for c in ("high", "low"))
            out[spec.name] = atr(high, low, close, spec.period)
        elif spec.kind == "macd":
            out.update(zip(spec.columns, macd(close), strict=True))
        elif spec.kind == "bb":
            out.update(zip(spec.columns, bollinger(close, spec.period), strict=True))
    return out
