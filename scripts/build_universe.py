"""Build the universe files in stockdash/data/ from the reference data in ../shared/data/.

Run once when the reference data changes: `python scripts/build_universe.py [SHARED_DATA_DIR]`.
Symbols are written in Yahoo's notation (BRK.B -> BRK-B); names lose listing suffixes
such as "Common Stock" that read badly in a UI.
"""

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "stockdash" / "data"
EXCHANGES = {"N": "NYSE", "Q": "NASDAQ", "A": "NYSE American", "P": "NYSE Arca", "Z": "Cboe BZX", "V": "IEX"}

# The main US ETFs, by what they hold (shown where a stock shows its sector).
ETF_CATEGORIES = {
    "US broad market": "SPY IVV VOO VTI DIA QQQ RSP IWM MDY IJH IJR",
    "US style and factor": "VUG VTV IWF IWD SCHD VIG VYM QUAL MTUM USMV",
    "US sector": "XLK XLF XLE XLV XLY XLP XLI XLU XLB XLRE XLC VGT VHT SMH SOXX KRE XBI IBB ITB XHB XRT XOP "
    "JETS ARKK",
    "International": "EFA VEA EEM VWO IEMG FXI EWJ EWZ KWEB",
    "Bonds": "AGG BND TLT IEF SHY LQD HYG TIP EMB MUB BIL SGOV",
    "Commodities": "GLD SLV GDX USO UNG",
    "Leveraged and volatility": "TQQQ SQQQ UVXY",
}

NAME_SUFFIX = re.compile(
    r"\s*[-,]?\s*(Class [A-Z]\s+)?(Common Stock|Common Shares|Ordinary Shares|Capital Stock|"
    r"American Depositary Shares|Depositary Shares|Shares of Beneficial Interest)\b.*$",
    re.IGNORECASE,
)
VALID_SYMBOL = re.compile(r"^[A-Z][A-Z0-9\-]{0,9}$")


def yahoo_symbol(symbol: str) -> str:
    return symbol.strip().replace(".", "-")


def clean_name(name: str) -> str:
    cleaned = NAME_SUFFIX.sub("", " ".join(name.split())).strip(" ,-")
    return cleaned or name.strip()


def load_listing(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "us-listing-2020.csv", dtype=str, keep_default_na=False)
    df = df[df["Test Issue"] != "Y"]
    out = pd.DataFrame(
        {
            "symbol": df["Symbol"].map(yahoo_symbol),
            "name": df["Name"].map(clean_name),
            "sector": "",
            "exchange": df["Listing Exchange"].map(EXCHANGES).fillna(""),
            "kind": df["ETF"].map({"Y": "etf"}).fillna("stock"),
        }
    )
    return out[out["symbol"].str.match(VALID_SYMBOL)].drop_duplicates("symbol")


def load_sp500(shared: Path, listing: pd.DataFrame) -> pd.DataFrame:
    df = pd.read_csv(shared / "sp500-constituents-2026-08.csv", dtype=str, keep_default_na=False)
    out = pd.DataFrame(
        {
            "symbol": df["Symbol"].map(yahoo_symbol),
            "name": df["Security"].str.strip(),
            "sector": df["GICS Sector"].str.strip(),
            "kind": "stock",
        }
    )
    exchanges = listing.set_index("symbol")["exchange"]
    out["exchange"] = out["symbol"].map(exchanges).fillna("")
    return out[["symbol", "name", "sector", "exchange", "kind"]]


def build_etfs(listing: pd.DataFrame) -> pd.DataFrame:
    rows = [(s, cat) for cat, syms in ETF_CATEGORIES.items() for s in syms.split()]
    cats = pd.DataFrame(rows, columns=["symbol", "sector"])
    etfs = listing.drop(columns="sector").merge(cats, on="symbol", how="inner")
    missing = set(cats["symbol"]) - set(etfs["symbol"])
    if missing:
        sys.exit(f"ETFs missing from the listing: {sorted(missing)}")
    return etfs[["symbol", "name", "sector", "exchange", "kind"]].sort_values("symbol")


def build_total(listing: pd.DataFrame, sp500: pd.DataFrame, etfs: pd.DataFrame) -> pd.DataFrame:
    """Everything listed, with the S&P 500's current names and sectors where we know them."""
    total = pd.concat([sp500, etfs, listing]).drop_duplicates("symbol", keep="first")
    return total.sort_values("symbol")


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    listing = load_listing(shared)
    sp500 = load_sp500(shared, listing).sort_values("symbol")
    etfs = build_etfs(listing)
    total = build_total(listing, sp500, etfs)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in (("sp500", sp500), ("etfs", etfs), ("total", total)):
        frame.to_csv(OUT / f"{name}.csv", index=False)
        print(f"{name}: {len(frame)} symbols -> {OUT / (name + '.csv')}")


if __name__ == "__main__":
    main()
