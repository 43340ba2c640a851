"""Typo-tolerant ticker search over the universe, run on the server as the user types.

The browser never receives thousands of options: each keystroke asks for the best dozen
(plotly/dash#3616). A match is scored by how well it matches (exact symbol, name prefix, name
with a typo, symbol prefix) plus how important the security is (index membership, then size:
the universe file's `importance`), so "aple" finds Apple Inc. before Apple Hospitality's APLE.
Any other well-formed ticker can still be picked as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import process, utils
from rapidfuzz.distance import OSA

from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import catalogue, former, name_of, to_yahoo

LIMIT = 12
NO_MATCH = "__none__"  # value of the disabled "No matches" option; never charted
# Brands, former names and market words people type that the listing's names do not carry.
ALIASES = {
    "Google": ["GOOGL", "GOOG"],
    "Facebook": ["META"],
    "Instagram": ["META"],
    "Coke": ["KO"],
    "Gold": ["GC=F", "GLD"],
    "Silver": ["SI=F", "SLV"],
    "Oil": ["CL=F", "USO"],
    "BTC": ["BTC-USD"],
    "Ether": ["ETH-USD"],
    "Dow Jones": ["^DJI"],
    "Euro": ["EURUSD=X"],
    "Dollar": ["DX-Y.NYB"],
    "Yen": ["USDJPY=X"],
    "Pound": ["GBPUSD=X"],
    "10-year yield": ["^TNX"],
}
# What an empty search box offers: the names people look up most.
POPULAR = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "SPY", "QQQ"]

# How well the text matches, before importance is added: a famous name with a one-letter typo
# (78 + 25) outranks an obscure exact symbol (100), but not an exact name (95) of a small company.
EXACT_SYMBOL = 100
EXACT_NAME = 95  # the whole name or alias: "gold" -> GLD (alias "Gold") above The Goldman Sachs Group
NAME_PREFIX = 90  # "appl" -> Apple Inc., "jp morgan" -> JPMorgan Chase
WORD_PREFIX = 80  # "disney" -> The Walt Disney Company
NAME_TYPO = 88  # minus TYPO_COST per edit, more for short text: "aple" -> Apple, "micrsoft" -> Microsoft
TYPO_COST = 40  # divided by the typed length, at least MIN_TYPO_COST
MIN_TYPO_COST = 5
LATER_WORD = 10  # a typo in a later word counts less than in the first
SYMBOL_PREFIX = 70  # minus 2 per letter not typed yet: "goo" -> GOOG before GOOGL
SHORT = 2  # up to this many letters a name prefix says little ("t" is AT&T's T before Tesla)
SHORT_PENALTY = 30
MEMBER_BONUS = 8  # in the S&P 500 or one of the main ETFs
SIZE_BONUS = {0: 0, 1: 3, 2: 17}  # importance's size part: unknown, Fortune 500, among the largest


@dataclass(frozen=True)
class Match:
    symbol: str
    name: str
    known: bool = True  # False: a well-formed ticker outside the shipped universe
    note: str = ""  # "formerly FB", or why a delisted symbol cannot be charted
    chartable: bool = True


@dataclass(frozen=True)
class _Index:
    symbols: list[str]  # one row per searchable text: a security's name or one of its aliases
    names: list[str]
    importance: np.ndarray
    bonus: np.ndarray  # what importance adds to a match's quality
    starts: list[str]  # the text from each word on, lower case without spaces
    start_first: np.ndarray  # each start's first letter (a typo there is rare: not searched)
    start_row: np.ndarray  # which row each start belongs to
    start_later: np.ndarray  # 1 for a start that is not the text's first word
    by_symbol: dict[str, int]
    first_words: frozenset[str]  # of every name and alias: typed alone, a name, not a ticker


def _words(text: str) -> list[str]:
    """Lower-case words, a leading "The" dropped: "The Walt Disney Company" starts with "walt"."""
    words = utils.default_process(text).split()
    return words[1:] if len(words) > 1 and words[0] == "the" else words


@lru_cache
def _index() -> _Index:
    cat = catalogue()
    rows = [(s, str(n) or s, str(n) or s) for s, n in zip(cat.index, cat["name"], strict=True)]
    rows += [(s, str(cat.at[s, "name"]), alias) for alias, targets in ALIASES.items() for s in targets]
    starts, start_row, start_later, first_words = [], [], [], set()
    for i, (_symbol, _name, searched) in enumerate(rows):
        words = _words(searched)
        first_words.update(words[:1])
        for w in range(len(words)):
            starts.append("".join(words[w:]))
            start_row.append(i)
            start_later.append(1 if w else 0)
    importance = np.array([cat.at[r[0], "importance"] for r in rows])
    member, size = np.divmod(importance, 3)  # importance = 3 x membership + size
    return _Index(
        symbols=[r[0] for r in rows],
        names=[r[1] for r in rows],
        importance=importance,
        bonus=MEMBER_BONUS * member + np.vectorize(SIZE_BONUS.get)(size),
        starts=starts,
        start_first=np.array([s[:1] for s in starts]),
        start_row=np.array(start_row),
        start_later=np.array(start_later),
        by_symbol={s: i for i, s in enumerate(cat.index)},
        first_words=frozenset(first_words),
    )


def _symbol_forms(query: str) -> set[str]:
    """What a typed symbol may mean in Yahoo's notation: BRK.B and "brk b" are BRK-B, "vix" is ^VIX."""
    upper = query.upper()
    return {upper, upper.replace(".", "-"), "-".join(upper.split()), "^" + upper.lstrip("^")}


def _name_quality(index: _Index, query: str) -> dict[int, float]:
    """Best name match per row: prefix of the name or of a later word, else within a few typos."""
    typed = "".join(_words(query)) or utils.default_process(query).replace(" ", "")
    if not typed:
        return {}
    quality = np.zeros(len(index.starts))
    prefix = np.fromiter((s.startswith(typed) for s in index.starts), bool, len(index.starts))
    quality[prefix] = np.where(index.start_later[prefix], WORD_PREFIX, NAME_PREFIX)
    exact = np.fromiter((s == typed for s in index.starts), bool, len(index.starts))
    quality[exact & (index.start_later == 0)] = EXACT_NAME
    if len(typed) <= SHORT:
        quality[prefix] -= SHORT_PENALTY
    max_edits = 0 if len(typed) < 4 else 1 if len(typed) < 8 else 2
    if max_edits:
        n = len(typed)
        edits = np.min(
            [
                process.cdist([typed], [s[:length] for s in index.starts], scorer=OSA.distance, workers=1)[0]
                for length in (n - 1, n, n + 1)
            ],
            axis=0,
        )
        cost = max(TYPO_COST / n, MIN_TYPO_COST)
        typo = NAME_TYPO - cost * edits - LATER_WORD * index.start_later
        near = (edits <= max_edits) & (index.start_first == typed[0])
        quality = np.where(near, np.maximum(quality, typo), quality)
    best: dict[int, float] = {}
    for start in np.flatnonzero(quality):
        row = int(index.start_row[start])
        best[row] = max(best.get(row, 0.0), float(quality[start]))
    return best


def _former_match(query: str) -> Match | None:
    """What a 2020 symbol typed exactly (FB, TWTR) became."""
    gone = former()
    for form in _symbol_forms(query):
        if form in gone.index:
            rec = gone.loc[form]
            if rec["now"]:
                return Match(rec["now"], name_of(rec["now"]), note=f"formerly {form}")
            return Match(
                form, rec["name"], known=False, note=f"{rec['note']}; no longer listed", chartable=False
            )
    return None


# No company name is longer; a longer text (pasted, or sent by a script) would only cost time.
MAX_QUERY = 60


def search(text: str | None, *, limit: int = LIMIT) -> list[Match]:
    """The best matches for `text`, best first."""
    index = _index()
    query = (text or "").strip()
    if not query:
        return [Match(s, name_of(s)) for s in POPULAR][:limit]
    forms = _symbol_forms(query)
    upper = query.upper()
    quality = _name_quality(index, query)
    named = max(quality.values(), default=0.0) >= NAME_PREFIX  # "s&p500", "10-year" start a name
    for symbol, row in index.by_symbol.items():
        if symbol in forms:
            quality[row] = EXACT_SYMBOL
        elif symbol.startswith(upper):
            q = max(SYMBOL_PREFIX - 2 * (len(symbol) - len(upper)), SYMBOL_PREFIX - 20)
            quality[row] = max(quality.get(row, 0.0), q)
    ranked = sorted(
        quality,
        key=lambda r: (
            -(quality[r] + index.bonus[r]),
            -index.importance[r],
            len(index.symbols[r]),
            index.symbols[r],
        ),
    )
    matches: list[Match] = []
    gone = _former_match(query)
    if gone:
        matches.append(gone)
    for r in ranked:
        if len(matches) >= limit:
            break
        if all(m.symbol != index.symbols[r] for m in matches):  # an alias row repeats its symbol
            matches.append(Match(index.symbols[r], index.names[r]))
    # A known name typed ("tesla", "10-year") is not also a ticker to offer; "coin" still is.
    spelled_name = _names_a_company(index, query) or (named and not query.isalnum())
    typed = None if gone or spelled_name else _typed_ticker(query)
    if typed and all(m.symbol != typed for m in matches):
        # BTC-USD, 6309.T, ^GSPC: clearly a ticker, so offer it before weak name matches.
        first = any(c in "0123456789-.=^" for c in typed) and not named
        matches = matches[: limit - 1]
        matches.insert(0 if first else len(matches), Match(typed, typed, known=False))
    return matches


def _names_a_company(index: _Index, query: str) -> bool:
    """Whether plain letters are a known name's first word ("tesla"): a name, not a ticker to offer."""
    return query.isalpha() and query.lower() in index.first_words


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


def label(match: Match) -> str:
    if not match.chartable:
        return f"{match.symbol} · {match.name} — {match.note}"
    if not match.known:
        return f"{match.symbol} · chart this ticker"
    return f"{match.symbol} · {match.name}" + (f" ({match.note})" if match.note else "")


def option(match: Match, query: str = "") -> dict:
    """A dcc.Dropdown option. `search` carries the typed text: the dropdown filters options on
    the client by substring, which would hide fuzzy matches ("micrsoft") without it."""
    opt: dict[str, object] = {
        "label": label(match),
        "value": match.symbol,
        "search": f"{match.symbol} {match.name} {query}".strip(),
    }
    if not match.chartable:
        opt |= {"value": NO_MATCH, "disabled": True}
    return opt


def _selected_option(symbol: str) -> dict:
    """An already selected value, kept so the box can show its label.

    Its `search` never carries the typed text: the dropdown's own filter then hides it unless it
    really matches, instead of listing it (first, in a multi-select) under every search, where a
    quick click on the top result would remove it.
    """
    if symbol in catalogue().index:
        return option(Match(symbol, name_of(symbol)))
    if invalid_reason(symbol):
        return {"label": f"{symbol} · not a valid ticker", "value": symbol, "search": symbol}
    # Picked already: "chart this ticker" would still invite a click after the chart said why not.
    return {"label": symbol, "value": symbol, "search": symbol}


def options(text: str | None, *, selected: list[str] | None = None, limit: int = LIMIT) -> list[dict]:
    """Dropdown options for the typed text, best first, then the already selected symbols."""
    query = text.strip()[:MAX_QUERY] if isinstance(text, str) else ""
    found = search(query, limit=limit)
    out = [option(m, query) for m in found]
    if query and not found:
        reason = invalid_reason(query)
        message = f"No matches: {reason}" if reason else f"No matches for '{query}'"
        out.append({"label": message, "value": NO_MATCH, "disabled": True, "search": query})
    have = {o["value"] for o in out}
    for symbol in dict.fromkeys(selected or []):
        if symbol and symbol not in have:
            out.append(_selected_option(symbol))
    return out
