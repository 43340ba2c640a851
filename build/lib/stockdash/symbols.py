"""Ticker symbols: validated and normalised before any I/O touches them."""

import re

MAX_LEN = 15
# Yahoo notation: letters, digits and . - = ^ (BRK-B, 6309.T, EURUSD=X, ^GSPC, BTC-USD).
_PATTERN = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-=]*$")


class InvalidSymbol(ValueError):
    """A symbol that cannot be a ticker; the message says why, for the user to read."""


def normalise(raw: object) -> str:
    """Upper-case, trimmed, validated symbol; InvalidSymbol with a plain reason otherwise."""
    if not isinstance(raw, str):
        raise InvalidSymbol("a ticker symbol must be text")
    if not raw.isascii():  # before upper(): 'ı'.upper() is 'I', 'ß'.upper() is 'SS'
        raise InvalidSymbol(
            f"'{raw.strip()[:20]}' is not a valid ticker symbol (letters, digits and . - = ^ only)"
        )
    symbol = raw.strip().upper()
    if not symbol:
        raise InvalidSymbol("the ticker symbol is empty")
    shown = symbol if len(symbol) <= 20 else symbol[:20] + "…"
    if not _PATTERN.match(symbol):
        raise InvalidSymbol(f"'{shown}' is not a valid ticker symbol (letters, digits and . - = ^ only)")
    if len(symbol) > MAX_LEN:
        raise InvalidSymbol(f"'{shown}' is too long for a ticker symbol (at most {MAX_LEN} characters)")
    return symbol


def normalise_many(raws: str | list[str]) -> list[str]:
    """Normalise a comma-separated list or a list, keeping order and dropping repeats."""
    items = raws.split(",") if isinstance(raws, str) else raws
    return list(dict.fromkeys(normalise(item) for item in items))
