"""Offline demo prices for the markets list (indices, yields, futures, currencies, crypto).

A share's demo price is a random walk from a level drawn by its importance; that would give
EUR/USD at 194 and bitcoin at 302. These symbols instead wander around the level they had at
the start of 2026, each as much as it really moves: the log price is an AR(1) process (mean
reverting, so a yield or the VIX stays in its usual band for decades), scaled per symbol.
The same symbol and date always give the same price, as for shares.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Market:
    level: float  # the price (or yield, or rate) it wanders around
    daily: float  # daily volatility of the log price
    spread: float  # how far, in log terms (one standard deviation), it strays from `level`
    volume: float  # typical daily volume (0: no volume, as for currency pairs)
    follows: str = ""  # moves with this symbol (a future with its index): drawn from its shocks


# Levels of early 2026, rounded; volatility and spread by what each is.
_INDEX, _RATE, _FX, _METAL, _ENERGY, _GRAIN, _CRYPTO = (
    (0.010, 0.15),
    (0.020, 0.15),
    (0.005, 0.06),
    (0.012, 0.15),
    (0.022, 0.20),
    (0.015, 0.15),
    (0.035, 0.25),
)
MARKETS: dict[str, Market] = {
    "^GSPC": Market(6850, *_INDEX, 4.5e9),
    "^IXIC": Market(23200, *_INDEX, 8e9),
    "^DJI": Market(48000, *_INDEX, 5e8),
    "^RUT": Market(2480, 0.013, 0.15, 0),
    "^VIX": Market(17, 0.06, 0.18, 0),
    "^NDX": Market(25200, *_INDEX, 0, follows="^IXIC"),
    "^FTSE": Market(9900, *_INDEX, 7e8),
    "^GDAXI": Market(24500, *_INDEX, 7e7),
    "^STOXX50E": Market(5800, *_INDEX, 0),
    "^N225": Market(50300, 0.013, 0.15, 1.2e8),
    "^HSI": Market(25800, 0.014, 0.15, 3e9),
    "DX-Y.NYB": Market(98.5, *_FX, 0),
    "^TNX": Market(4.15, *_RATE, 0),
    "^FVX": Market(3.75, *_RATE, 0),
    "^TYX": Market(4.8, 0.015, 0.12, 0),
    "^IRX": Market(3.6, 0.01, 0.2, 0),
    "GC=F": Market(3000, *_METAL, 2e5),
    "SI=F": Market(40, 0.02, 0.2, 6e4),
    "HG=F": Market(5.0, *_METAL, 4e4),
    "PL=F": Market(1300, 0.018, 0.2, 2e4),
    "CL=F": Market(70, *_ENERGY, 3e5),
    "BZ=F": Market(74, *_ENERGY, 2e5),
    "NG=F": Market(3.9, 0.035, 0.3, 1.5e5),
    "ES=F": Market(6880, *_INDEX, 1.5e6, follows="^GSPC"),
    "NQ=F": Market(25300, *_INDEX, 6e5, follows="^IXIC"),
    "YM=F": Market(48200, *_INDEX, 1.5e5, follows="^DJI"),
    "RTY=F": Market(2490, 0.013, 0.15, 1.5e5, follows="^RUT"),
    "ZN=F": Market(112.5, 0.004, 0.04, 1.5e6),
    "ZC=F": Market(440, *_GRAIN, 2e5),
    "ZW=F": Market(530, *_GRAIN, 8e4),
    "ZS=F": Market(1050, *_GRAIN, 1.2e5),
    "EURUSD=X": Market(1.17, *_FX, 0),
    "GBPUSD=X": Market(1.34, *_FX, 0),
    "USDJPY=X": Market(156.5, *_FX, 0),
    "USDCHF=X": Market(0.79, *_FX, 0),
    "AUDUSD=X": Market(0.67, *_FX, 0),
    "USDCAD=X": Market(1.37, *_FX, 0),
    "NZDUSD=X": Market(0.58, *_FX, 0),
    "USDCNY=X": Market(7.0, 0.002, 0.04, 0),
    "EURGBP=X": Market(0.87, *_FX, 0),
    "EURJPY=X": Market(183, *_FX, 0),
    "BTC-USD": Market(65000, *_CRYPTO, 4e4),
    "ETH-USD": Market(3000, 0.045, 0.3, 6e6),
    "SOL-USD": Market(130, 0.05, 0.35, 3e7),
    "XRP-USD": Market(2.0, 0.05, 0.35, 2e9),
    "BNB-USD": Market(870, *_CRYPTO, 2e6),
    "DOGE-USD": Market(0.14, 0.055, 0.35, 8e9),
    "ADA-USD": Market(0.38, 0.05, 0.35, 1.5e9),
    "LTC-USD": Market(80, 0.045, 0.3, 5e6),
    "AVAX-USD": Market(13, 0.055, 0.35, 4e7),
    "LINK-USD": Market(13, 0.05, 0.35, 4e7),
}


def covers(symbol: str) -> bool:
    return symbol in MARKETS


def daily_volatility(symbol: str) -> float | None:
    """How much the symbol moves in a day (the live demo walks at this pace), None if not listed."""
    market = MARKETS.get(symbol)
    return market.daily if market else None


def _noise(symbol: str, n: int) -> dict[str, np.ndarray]:
    """Standard normal draws per day; day i gets the same value however many days are drawn."""
    return {
        name: np.random.default_rng(zlib.crc32(f"market-{name}|{symbol}".encode())).standard_normal(n)
        for name in ("return", "gap", "high", "low", "volume")
    }


def _ar1(shocks: np.ndarray, phi: float) -> np.ndarray:
    """x[t] = phi * x[t-1] + shocks[t], from x = 0 (a loop: numpy has no recursive filter)."""
    out = np.empty(len(shocks))
    x = 0.0
    for i, shock in enumerate(shocks):
        x = phi * x + shock
        out[i] = x
    return out


def series(symbol: str, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """open, high, low, close, volume, dividend (always 0) per session, as demo.py's shares have."""
    market = MARKETS[symbol]
    noise = _noise(market.follows or symbol, len(sessions))
    # The AR(1) coefficient whose stationary spread is `spread` at this daily volatility.
    phi = float(np.sqrt(max(0.0, 1 - (market.daily / market.spread) ** 2)))
    log_dev = _ar1(noise["return"] * market.daily, phi)
    close = market.level * np.exp(log_dev)
    prev = np.concatenate([[close[0]], close[:-1]])
    open_ = prev * np.exp(noise["gap"] * market.daily * 0.3)
    high = np.maximum(open_, close) * np.exp(np.abs(noise["high"]) * market.daily * 0.6)
    low = np.minimum(open_, close) * np.exp(-np.abs(noise["low"]) * market.daily * 0.6)
    volume = (market.volume * np.exp(noise["volume"] * 0.35)).astype("int64")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume, "dividend": 0.0},
        index=sessions,
    )
