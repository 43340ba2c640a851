import pytest

from stockdash.symbols import InvalidSymbol, normalise, normalise_many
from stockdash.universe import resolve, to_yahoo


@pytest.mark.parametrize("raw", ["aapl", " MSFT ", "BRK-B", "6309.T", "EURUSD=X", "^GSPC", "BTC-USD"])
def test_valid_symbols(raw):
    assert normalise(raw) == raw.strip().upper()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('"; DROP TABLE x;--', "not a valid ticker"),
        ("", "empty"),
        ("   ", "empty"),
        ("A" * 50, "too long"),
        ("AA PL", "not a valid ticker"),
        (None, "must be text"),
        ("ıbm", "not a valid ticker"),
        ("ßPY", "not a valid ticker"),
    ],
)
def test_malformed_symbols_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(InvalidSymbol, match=reason):
        normalise(raw)


def test_class_shares_use_yahoo_notation_only_when_known():
    assert to_yahoo("BRK.B") == "BRK-B"
    assert to_yahoo("6309.T") == "6309.T"


def test_universe_groups_and_symbols():
    sp500 = resolve("sp500")
    assert len(sp500) == 503 and "BRK-B" in sp500
    both = resolve("sp500,etfs")
    assert "SPY" in both and len(both) == len(set(both))
    assert resolve("msft, AAPL,msft") == ["MSFT", "AAPL"]
    assert normalise_many("a,b,a") == ["A", "B"]
