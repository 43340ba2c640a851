"""Build the universe files in stockdash/data/ from the reference lists in scripts/universe_sources/.

Run when a reference list or a curated fact below changes:
`python scripts/build_universe.py [SOURCES_DIR [OUT_DIR]]`; tests/test_universe_build.py checks
that the committed files are exactly what this script writes.

- Symbols in Yahoo's notation (BRK.B -> BRK-B); names without listing suffixes ("Common
  Stock") or doubled phrases ("B&G Foods, Inc. B&G Foods, Inc.").
- The 2020 listing is six years old: symbols renamed since are written under what they became
  (FB -> META), those delisted are left out, and both are recorded in former.csv so search can
  say what happened. Warrants, units, rights, notes, preferred shares and 2020's blank-cheque
  companies (SPACs: all merged or liquidated by their two-year deadline) are left out too.
- `importance` ranks securities where no market capitalisation is at hand:
  3 x membership (S&P 500, a main ETF, or the markets list) + size (2: among the largest,
  curated below; 1: Fortune 500 in the 2020 listing; 0: unknown).
- markets.csv (curated in universe_sources/markets.csv, not in either listing): indices,
  Treasury yields, futures, currency pairs and crypto in Yahoo's notation, with a `size` of 2
  for the markets strip's ten (the most looked up) and 1 for the rest.
"""

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "universe_sources"
OUT = ROOT / "stockdash" / "data"
LISTING = "us-listing-2020.csv"
SP500 = "sp500-constituents-2026-08.csv"
MARKETS = "markets.csv"
MARKET_KINDS = {"index", "future", "fx", "crypto"}
EXCHANGES = {"N": "NYSE", "Q": "NASDAQ", "A": "NYSE American", "P": "NYSE Arca", "Z": "Cboe BZX", "V": "IEX"}
COLUMNS = ["symbol", "name", "sector", "exchange", "kind"]

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

# Size where the lists carry none: the largest US-listed companies by market capitalisation
# (2025) and the largest ETFs by assets, which are also what visitors type most. Without it
# "apple" could not tell Apple Inc. from Apple Hospitality REIT, both being listed.
LARGEST = [
    "AAPL",
    "MSFT",
    "NVDA",
    "GOOGL",
    "GOOG",
    "AMZN",
    "META",
    "AVGO",
    "TSLA",
    "BRK-B",
    "BRK-A",
    "LLY",
    "JPM",
    "V",
    "WMT",
    "ORCL",
    "MA",
    "XOM",
    "UNH",
    "COST",
    "NFLX",
    "HD",
    "PG",
    "JNJ",
    "ABBV",
    "BAC",
    "KO",
    "PLTR",
    "AMD",
    "CRM",
    "CVX",
    "TSM",
    "ASML",
    "BABA",
    "NVO",
    "SAP",
    "TM",
    "SPY",
    "IVV",
    "VOO",
    "QQQ",
    "VTI",
]

# 2020 symbols that now trade under another one (new symbol, year). The new symbol takes the
# S&P 500 list's name when it is a member, else the name given here.
RENAMED = {
    "FB": ("META", 2022),
    "ANTM": ("ELV", 2022),
    "BLL": ("BALL", 2022),
    "SQ": ("XYZ", 2025),
    "FLT": ("CPAY", 2024),
    "RE": ("EG", 2023),
    "PKI": ("RVTY", 2023),
    "MYL": ("VTRS", 2020),
    "WLTW": ("WTW", 2022),
    "VIAC": ("PSKY", 2025),
    "DISCA": ("WBD", 2022),
    "DISCK": ("WBD", 2022),
    "MMC": ("MRSH", 2026),
    "WRK": ("SW", 2024),
    "NLOK": ("GEN", 2022),
    "PEAK": ("DOC", 2024),
    "ABC": ("COR", 2023),
    "COG": ("CTRA", 2021),
    "HFC": ("DINO", 2022),
    "GPS": ("GAP", 2024),
    "LB": ("BBWI", 2021),
    "ADS": ("BFH", 2022),
    "FBHS": ("FBIN", 2023),
    "TOT": ("TTE", 2021),
    "RDS-A": ("SHEL", 2022),
    "RDS-B": ("SHEL", 2022),
}
NEW_NAMES = {
    "CTRA": "Coterra Energy Inc.",
    "DINO": "HF Sinclair Corporation",
    "GAP": "Gap Inc.",
    "BBWI": "Bath & Body Works, Inc.",
    "BFH": "Bread Financial Holdings, Inc.",
    "FBIN": "Fortune Brands Innovations, Inc.",
    "TTE": "TotalEnergies SE",
    "SHEL": "Shell plc",
}

# 2020 symbols no longer listed: well-known names only (others fail a pull as they always did).
DELISTED = {
    "TWTR": "taken private in 2022",
    "ATVI": "acquired by Microsoft in 2023",
    "XLNX": "acquired by AMD in 2022",
    "CERN": "acquired by Oracle in 2022",
    "CTXS": "taken private in 2022",
    "ALXN": "acquired by AstraZeneca in 2021",
    "MXIM": "acquired by Analog Devices in 2021",
    "VAR": "acquired by Siemens Healthineers in 2021",
    "TIF": "acquired by LVMH in 2021",
    "SIVB": "failed in 2023",
    "FRC": "failed in 2023",
    "PBCT": "acquired by M&T Bank in 2022",
    "CXO": "acquired by ConocoPhillips in 2021",
    "PXD": "acquired by ExxonMobil in 2024",
    "HES": "acquired by Chevron in 2025",
    "MRO": "acquired by ConocoPhillips in 2024",
    "ABMD": "acquired by Johnson & Johnson in 2022",
    "NLSN": "taken private in 2022",
    "DRE": "acquired by Prologis in 2022",
    "FLIR": "acquired by Teledyne in 2021",
    "ANSS": "acquired by Synopsys in 2025",
    "CTLT": "acquired by Novo Holdings in 2024",
    "JNPR": "acquired by HPE in 2025",
    "DFS": "acquired by Capital One in 2025",
    "WBA": "taken private in 2025",
    "WORK": "acquired by Salesforce in 2021",
    "FIT": "acquired by Google in 2021",
    "ZNGA": "acquired by Take-Two in 2022",
    "SPLK": "acquired by Cisco in 2024",
    "VMW": "acquired by Broadcom in 2023",
    "NUAN": "acquired by Microsoft in 2022",
    "XEC": "merged into Coterra Energy in 2021",
    "INFO": "merged into S&P Global in 2022",
    "KSU": "merged into Canadian Pacific in 2023",
    "DISH": "merged into EchoStar in 2023",
    "X": "acquired by Nippon Steel in 2025",
}

NAME_SUFFIX = re.compile(
    r"\s*[-,]?\s*((Class|Series) [A-Z]\s+)?(New\s+)?(Common Stock|Common Shares?|Ordinary Shares?|"
    r"Capital Stock|American Depositary Shares|Depositary Shares|Shares of Beneficial Interest|"
    r"Common Units|Units of Beneficial Interest|Common Subordinate Voting Shares)\b.*$|\s+W/I$|"
    r"\s+Common(?: New)?(?: \([^)]*\))?$",
    re.IGNORECASE,
)
# "Celanese Corporation Celanese Corporation" -> "Celanese Corporation"
DOUBLED = re.compile(r"^(?P<phrase>.{4,}?)\s+(?P=phrase)(?=\s|$)")
THE = re.compile(r"^(?P<rest>.+?),?\s+\(The\)", re.IGNORECASE)  # "Toro Company (The)" -> "The Toro Company"
# Not a company's shares, or gone since 2020 by construction (see the module docstring).
NOT_SHARES = re.compile(
    "|".join(
        [
            r"\bWarrants?\b",
            r"\bRights?\b",
            r"(?<!Common )(?<!L\.P\. )(?<!LP )\bUnits?\b(?!\s+(?:representing|of Beneficial))",
            r"\b(?:Notes?|ETNs?) due\b",
            r"\bNotes\b.*\bdue\b",
            r"\bDebentures?\b",
            r"\bPreferred (?:Stock|Shares|Securities)\b",
            r"\bCumulative\b",
            r"\bPerpetual\b",
            r"\bAcquisition (?:Corp|Corporation|Company|Co\b|Holdings|Limited|Ltd)",
            r"\bAcquistion Corp",
        ]
    ),
    re.IGNORECASE,
)
VALID_SYMBOL = re.compile(r"^[A-Z][A-Z0-9\-]{0,9}$")


def yahoo_symbol(symbol: str) -> str:
    return symbol.strip().replace(".", "-")


def clean_name(name: str) -> str:
    """The company's name as a person would write it."""
    cleaned = " ".join(name.split())
    cleaned = DOUBLED.sub(r"\g<phrase>", cleaned)
    cleaned = NAME_SUFFIX.sub("", cleaned).strip(" ,-")
    the = THE.match(cleaned)
    if the:
        cleaned = f"The {the['rest']}{cleaned[the.end() :]}"
    return cleaned or name.strip()


def load_listing(sources: Path) -> pd.DataFrame:
    """The 2020 listing's common shares and ETFs, with its Fortune 500 flag."""
    df = pd.read_csv(sources / LISTING, dtype=str, keep_default_na=False)
    names = df["Name"].str.split().str.join(" ")
    df = df[(df["Test Issue"] != "Y") & ((df["ETF"] == "Y") | ~names.str.contains(NOT_SHARES))]
    out = pd.DataFrame(
        {
            "symbol": df["Symbol"].map(yahoo_symbol),
            "name": df["Name"].map(clean_name),
            "sector": "",
            "exchange": df["Listing Exchange"].map(EXCHANGES).fillna(""),
            "kind": df["ETF"].map({"Y": "etf"}).fillna("stock"),
            "fortune500": df["Fortune 500"] == "Y",
        }
    )
    return out[out["symbol"].str.match(VALID_SYMBOL)].drop_duplicates("symbol")


def load_sp500(sources: Path) -> pd.DataFrame:
    df = pd.read_csv(sources / SP500, dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "symbol": df["Symbol"].map(yahoo_symbol),
            "name": df["Security"].map(clean_name),
            "sector": df["GICS Sector"].str.strip(),
            "kind": "stock",
        }
    )


def load_markets(sources: Path) -> pd.DataFrame:
    """The curated markets list: COLUMNS plus its `size` (see the module docstring)."""
    df = pd.read_csv(sources / MARKETS, dtype=str, keep_default_na=False)
    bad = sorted(set(df["kind"]) - MARKET_KINDS) + [s for s in df["symbol"] if s != s.strip().upper()]
    if bad or not df["symbol"].is_unique or not df["size"].isin(["1", "2"]).all():
        sys.exit(f"{MARKETS}: unknown kinds or malformed symbols or sizes {bad}")
    return df.assign(size=df["size"].astype(int))


def _check_known(label: str, symbols, known) -> None:
    missing = sorted(set(symbols) - set(known))
    if missing:
        sys.exit(f"{label} missing from the reference lists: {missing}")


def former(listing: pd.DataFrame) -> pd.DataFrame:
    """symbol, name, now, note: what became of 2020 symbols that no longer trade under that name."""
    _check_known("RENAMED or DELISTED symbols", [*RENAMED, *DELISTED], listing["symbol"])
    names = listing.set_index("symbol")["name"]
    rows = [(old, names[old], new, f"renamed {new} in {year}") for old, (new, year) in RENAMED.items()]
    rows += [(old, names[old], "", note) for old, note in DELISTED.items()]
    return pd.DataFrame(rows, columns=["symbol", "name", "now", "note"]).sort_values("symbol")


def apply_former(listing: pd.DataFrame, sp500: pd.DataFrame) -> pd.DataFrame:
    """The listing with renamed symbols under what they became and delisted ones left out."""
    by_symbol = listing.set_index("symbol")
    added = []
    for old, (new, _year) in RENAMED.items():
        if new not in set(sp500["symbol"]) and new not in NEW_NAMES:
            sys.exit(f"{old} -> {new}: not an S&P 500 member, so NEW_NAMES must give its name")
        # The S&P 500 list's name wins for members; the exchange is the one it was listed on.
        added.append(by_symbol.loc[old].to_dict() | {"symbol": new, "name": NEW_NAMES.get(new, "")})
    renamed = pd.DataFrame(added).drop_duplicates("symbol")
    kept = listing[~listing["symbol"].isin([*RENAMED, *DELISTED])]
    # A renamed company's new symbol may have meant another company in 2020 (CTRA was Contura Energy).
    kept = kept[~kept["symbol"].isin(renamed["symbol"])]
    return pd.concat([renamed, kept], ignore_index=True)


def fortune_flags(listing: pd.DataFrame) -> set[str]:
    """Fortune 500 symbols of 2020, carried over to what renamed ones became."""
    flagged = set(listing.loc[listing["fortune500"], "symbol"])
    return flagged | {new for old, (new, _) in RENAMED.items() if old in flagged}


def build_etfs(listing: pd.DataFrame) -> pd.DataFrame:
    rows = [(s, cat) for cat, syms in ETF_CATEGORIES.items() for s in syms.split()]
    cats = pd.DataFrame(rows, columns=["symbol", "sector"])
    etfs = listing.drop(columns="sector").merge(cats, on="symbol", how="inner")
    _check_known("ETFs", cats["symbol"], etfs["symbol"])
    return etfs[COLUMNS].sort_values("symbol")


def build_total(
    listing: pd.DataFrame,
    sp500: pd.DataFrame,
    etfs: pd.DataFrame,
    markets: pd.DataFrame,
    *,
    fortune500: set[str],
) -> pd.DataFrame:
    """Everything listed, with the S&P 500's current names and sectors where we know them."""
    total = pd.concat([sp500, etfs, listing[COLUMNS]]).drop_duplicates("symbol", keep="first")
    _check_known("LARGEST symbols", LARGEST, total["symbol"])
    member = total["symbol"].isin(sp500["symbol"]) | total["symbol"].isin(etfs["symbol"])
    size = total["symbol"].map(lambda s: 2 if s in LARGEST else 1 if s in fortune500 else 0)
    total = total.assign(importance=3 * member.astype(int) + size)
    clash = sorted(set(total["symbol"]) & set(markets["symbol"]))
    if clash:
        sys.exit(f"{MARKETS} symbols already listed: {clash}")
    total = pd.concat([total, markets[COLUMNS].assign(importance=3 + markets["size"])])
    return total.sort_values("symbol")


def build(sources: Path) -> dict[str, pd.DataFrame]:
    """Every universe file by name, as written to stockdash/data/."""
    raw = load_listing(sources)
    sp500 = load_sp500(sources)
    listing = apply_former(raw, sp500)
    exchanges = listing.set_index("symbol")["exchange"]
    sp500 = sp500.assign(exchange=sp500["symbol"].map(exchanges).fillna(""))[COLUMNS].sort_values("symbol")
    etfs = build_etfs(listing)
    markets = load_markets(sources)
    total = build_total(listing, sp500, etfs, markets, fortune500=fortune_flags(raw))
    return {
        "sp500": sp500,
        "etfs": etfs,
        "markets": markets[COLUMNS].sort_values("symbol"),
        "total": total,
        "former": former(raw),
    }


def write(frames: dict[str, pd.DataFrame], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
        print(f"{name}: {len(frame)} rows -> {out / (name + '.csv')}")


def main() -> None:
    sources = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCES
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else OUT
    write(build(sources), out)


if __name__ == "__main__":
    main()
