"""The strip itself: one link per market (label, last, % change) that charts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from stockdash.universe import name_of
from stockdash.web import ids
from stockdash.web.markets.data import Last


@dataclass(frozen=True)
class Item:
    symbol: str
    label: str
    unit: str = ""  # "%": a yield, shown as one


STRIP = [
    Item("^GSPC", "S&P 500"),
    Item("^IXIC", "Nasdaq"),
    Item("^DJI", "Dow"),
    Item("^RUT", "Russell"),
    Item("^VIX", "VIX"),
    Item("^TNX", "US 10Y", unit="%"),
    Item("GC=F", "Gold"),
    Item("CL=F", "Crude"),
    Item("EURUSD=X", "EUR/USD"),
    Item("BTC-USD", "Bitcoin"),
]
SYMBOLS = [item.symbol for item in STRIP]


def price_text(value: float, unit: str = "") -> str:
    """4,012.35; 1.1712 (a small price needs its fourth decimal); 4.06% for a yield."""
    if unit == "%":
        return f"{value:.2f}%"
    return f"{value:,.4f}" if value < 10 else f"{value:,.2f}"


def change_text(pct: float | None) -> tuple[str, str]:
    """The % change and its class (pos, neg, or flat): '+0.42%', '−1.10%'."""
    if pct is None:
        return "–", "flat"
    if round(pct, 2) == 0:
        return "0.00%", "flat"
    return (f"+{pct:.2f}%", "pos") if pct > 0 else (f"−{abs(pct):.2f}%", "neg")


def chart_href(symbol: str) -> str:
    return "/?" + urlencode({"symbol": symbol})


def _item(item: Item, last: Last | None) -> dcc.Link:
    name = name_of(item.symbol)
    if last is None:
        value, (change, sign) = "–", ("no prices yet", "flat")
        title = f"{name} ({item.symbol}): no prices stored yet · chart it"
    else:
        value, (change, sign) = price_text(last.close, item.unit), change_text(last.pct_change)
        title = f"{name} ({item.symbol}) · close {last.day:%a %d %b %Y} · chart it"
    return dcc.Link(
        href=chart_href(item.symbol),
        className="mkt",
        title=title,
        children=[
            html.Span(item.label, className="mkt-label"),
            html.Span(value, className="mkt-last"),
            html.Span(change, className=f"mkt-change {sign}"),
        ],
    )


def markets_strip(lasts: dict[str, Last] | None) -> html.Nav:
    """The strip; `None` (database down, or the static copy) leaves it out, keeping its place."""
    items = [] if lasts is None else [_item(item, lasts.get(item.symbol)) for item in STRIP]
    aria: dict[str, Any] = {"aria-label": "Markets"}  # a wildcard prop Dash's type stubs do not list
    return html.Nav(items, id=ids.MARKETS, className="markets-strip", **aria)
