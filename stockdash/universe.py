"""The shipped universe files (S&P 500, main ETFs, markets, total US market) and the groups built on them.

`markets` holds what is not a company's shares: indices, Treasury yields, futures, currency
pairs and crypto (kinds index, future, fx, crypto), curated in scripts/universe_sources/.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from stockdash.symbols import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
GROUP_FILES = {"sp500": "sp500.csv", "etfs": "etfs.csv", "markets": "markets.csv", "total": "total.csv"}
MARKET_KINDS = frozenset({"index", "future", "fx", "crypto"})  # not shares: never among the movers
GROUP_LABELS = {"sp500": "S&P 500", "etfs": "ETFs", "all": "All tracked"}


@lru_cache
def load_group(name: str) -> pd.DataFrame:
    """symbol, name, sector, exchange, kind of one shipped group."""
    return pd.read_csv(DATA_DIR / GROUP_FILES[name], dtype=str, keep_default_na=False)


@lru_cache
def catalogue() -> pd.DataFrame:
    """Every known security once, with `in_sp500` and `importance` (0-5), indexed by symbol."""
    total = load_group("total").set_index("symbol")
    total["in_sp500"] = total.index.isin(load_group("sp500")["symbol"])
    total["importance"] = total["importance"].astype(int)
    return total


@lru_cache
def former() -> pd.DataFrame:
    """2020 symbols renamed (`now`) or delisted since, with a note, indexed by symbol."""
    return pd.read_csv(DATA_DIR / "former.csv", dtype=str, keep_default_na=False).set_index("symbol")


def resolve(spec: str) -> list[str]:
    """Symbols named by a UNIVERSE value: group names and/or symbols, comma-separated."""
    symbols: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part.lower() in GROUP_FILES:
            symbols.extend(load_group(part.lower())["symbol"])
        else:
            symbols.append(to_yahoo(normalise(part)))
    return list(dict.fromkeys(symbols))


def to_yahoo(symbol: str) -> str:
    """BRK.B -> BRK-B when the dashed form is a known security (6309.T stays as it is)."""
    dashed = symbol.replace(".", "-")
    if dashed != symbol and dashed in catalogue().index:
        return dashed
    return symbol


def kind_of(symbol: str) -> str:
    """stock, etf, index, future, fx or crypto; a ticker outside the universe is taken as a stock."""
    cat = catalogue()
    return str(cat.at[symbol, "kind"]) if symbol in cat.index else "stock"


def name_of(symbol: str) -> str:
    """The company's name from the shipped universe; a ticker outside it is its own name."""
    cat = catalogue()
    return str(cat.at[symbol, "name"]) or symbol if symbol in cat.index else symbol


def security_rows(symbols: list[str]) -> list[dict]:
    """Rows for the securities table; unknown symbols get their symbol as name."""
    cat = catalogue()
    rows = []
    for symbol in symbols:
        if symbol in cat.index:
            rec = cat.loc[symbol]
            rows.append(
                {
                    "symbol": symbol,
                    "name": rec["name"],
                    "sector": rec["sector"],
                    "exchange": rec["exchange"],
                    "kind": rec["kind"],
                    "in_sp500": bool(rec["in_sp500"]),
                }
            )
        else:
            rows.append(
                {
                    "symbol": symbol,
                    "name": symbol,
                    "sector": "",
                    "exchange": "",
                    "kind": "stock",
                    "in_sp500": False,
                }
            )
    return rows
