"""Typo-tolerant ticker search over the universe, run on the server as the user types.

The browser never receives thousands of options: each keystroke asks for the best dozen
(plotly/dash#3616). Symbols match by exact/prefix, company names fuzzily ("micrsoft" finds
Microsoft), and any other well-formed ticker can still be picked as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process, utils

from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import catalogue, load_group, name_of, to_yahoo

LIMIT = 12
NAME_CUTOFF = 70  # WRatio below this is noise for company names
# Names people type that the listing does not carry: brands and former names.
ALIASES = {
    "Google": ["GOOGL", "GOOG"],
    "Facebook": ["META"],
    "Instagram": ["META"],
    "Berkshire": ["BRK-B"],
    "Coke": ["KO"],
    "JP Morgan": ["JPM"],
    "Walmart": ["WMT"],
    "Disney": ["DIS"],
    "Exxon": ["XOM"],
}
# What an empty search box offers: the names people look up most.
POPULAR = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "SPY", "QQQ"]


@dataclass(frozen=True)
class Match:
    symbol: str
    name: str
    known: bool = True  # False: a well-formed ticker outside the shipped universe


@dataclass(frozen=True)
class _Index:
    symbols: list[str]
    names: list[str]
    processed: list[str]
    popular: frozenset[str]


@lru_cache
def _index() -> _Index:
    cat = catalogue()
    symbols = list(cat.index)
    names = [str(n) or s for s, n in zip(cat.index, cat["name"], strict=True)]
    searched = list(names)
    for alias, targets in ALIASES.items():
        for symbol in targets:
            if symbol in cat.index:
                symbols.append(symbol)
                names.append(str(cat.at[symbol, "name"]))
                searched.append(alias)
    popular = frozenset(cat.index[cat["in_sp500"]]) | frozenset(load_group("etfs")["symbol"])
    return _Index(
        symbols=symbols,
        names=names,
        processed=[utils.default_process(n) for n in searched],
        popular=popular,
    )


def search(text: str | None, *, limit: int = LIMIT) -> list[Match]:
    """The best matches for `text`, best first."""
    index = _index()
    query = (text or "").strip()
    if not query:
        return [Match(s, name_of(s)) for s in POPULAR][:limit]
    upper = query.upper()
    scores: dict[int, float] = {}
    for i, symbol in enumerate(index.symbols):
        if symbol in (upper, upper.replace(".", "-"), "-".join(upper.split())):  # BRK.B, brk b
            scores[i] = 300.0
        elif symbol.startswith(upper):
            scores[i] = 200.0 - len(symbol) + (5 if symbol in index.popular else 0)
    processed = utils.default_process(query)
    if len(processed) >= 2:
        for _name, score, i in process.extract(
            processed,
            index.processed,
            scorer=fuzz.WRatio,
            processor=None,
            limit=limit * 4,
            score_cutoff=NAME_CUTOFF,
        ):
            bonus = 8 if index.symbols[i] in index.popular else 0
            if index.processed[i].startswith(processed):
                bonus += 10
            scores[i] = max(scores.get(i, 0.0), score + bonus)
    matches: list[Match] = []
    for i in sorted(scores, key=lambda i: (-scores[i], index.symbols[i])):
        if all(m.symbol != index.symbols[i] for m in matches):  # an alias row repeats its symbol
            matches.append(Match(index.symbols[i], index.names[i]))
    matches = matches[:limit]
    typed = _typed_ticker(query)
    if typed and all(m.symbol != typed for m in matches):
        # BTC-USD, 6309.T, ^GSPC: clearly a ticker, so offer it before weak name matches.
        first = any(c in "0123456789-.=^" for c in typed)
        matches.insert(0 if first else len(matches), Match(typed, typed, known=False))
    return matches


def _typed_ticker(query: str) -> str | None:
    """The query itself when it looks like a ticker (so any listed symbol can be charted).

    Plain words longer than five letters are company names being typed ("micrsoft"), not tickers.
    """
    query = query.strip()
    if " " in query or (query.isalpha() and len(query) > 5):
        return None
    try:
        return to_yahoo(normalise(query))
    except InvalidSymbol:
        return None


def invalid_reason(query: str | None) -> str | None:
    """Why the typed text can never be a ticker, when it also matches no company name."""
    query = (query or "").strip()
    if not query or " " in query:
        return None
    try:
        normalise(query)
    except InvalidSymbol as exc:
        return str(exc)
    return None


def option(match: Match, query: str = "") -> dict:
    """A dcc.Dropdown option. `search` carries the typed text: the dropdown filters options on
    the client by substring, which would hide fuzzy matches ("micrsoft") without it."""
    label = f"{match.symbol} · {match.name}" if match.known else f"{match.symbol} · chart this ticker"
    return {"label": label, "value": match.symbol, "search": f"{match.symbol} {match.name} {query}".strip()}


def options(text: str | None, *, selected: list[str] | None = None, limit: int = LIMIT) -> list[dict]:
    """Dropdown options for the typed text; already selected symbols stay so their labels show."""
    out = [option(m, text or "") for m in search(text, limit=limit)]
    have = {o["value"] for o in out}
    for symbol in selected or []:
        if symbol and symbol not in have:
            known = symbol in catalogue().index
            if not known and invalid_reason(symbol):
                out.append({"label": f"{symbol} · not a valid ticker", "value": symbol, "search": symbol})
            else:
                out.append(option(Match(symbol, name_of(symbol), known=known), text or ""))
            have.add(symbol)
    if not out and text:
        reason = invalid_reason(text) or f"nothing matches '{text.strip()}'"
        out.append({"label": reason, "value": "__none__", "disabled": True, "search": text})
    return out
