"""The quote header above the chart: name, last close, change, 52-week range, period return."""

from __future__ import annotations

from dash import html


def _places(price: float) -> int:
    """Decimals a price is quoted in: EUR/USD's 1.1712 needs four, a share's 192.26 two."""
    return 4 if abs(price) < 10 else 2


def _money(x: float, places: int = 2) -> str:
    return f"{x:,.{places}f}"


def _signed(x: float | None, suffix: str = "", places: int = 2) -> str:
    return "–" if x is None else f"{x:+,.{places}f}{suffix}"


def _tone(x: float | None) -> str:
    return "flat" if not x else ("pos" if x > 0 else "neg")


def quote_header(
    symbol: str,
    name: str,
    q: dict | None,
    *,
    period_label: str,
    live: str | None = None,
    dividend_yield: float | None = None,
) -> list:
    """Name, last close (or the live price, `live` its label), change, 52-week range, period return,
    and the trailing-12-month dividend yield when the symbol paid any."""
    title = html.Div(
        className="quote-title",
        children=[html.H1(symbol, className="quote-symbol"), html.Span(name, className="quote-name")],
    )
    if q is None:
        return [title]
    places = _places(q["close"])
    span = q["high52"] - q["low52"]
    pos = 0 if not span else max(0.0, min(100.0, (q["close"] - q["low52"]) / span * 100))
    return [
        title,
        html.Div(
            className="quote-price",
            children=[
                html.Span(_money(q["close"], places), className="price", id="quote-close"),
                html.Span(
                    f"{_signed(q['change'], places=places)} ({_signed(q['pct_change'], '%')})",
                    className=f"change {_tone(q['pct_change'])}",
                ),
                html.Span(live or "vs previous close", className="meta live-at" if live else "meta"),
            ],
        ),
        html.Div(
            className="quote-stats",
            children=[
                html.Div(
                    [
                        html.Span("52-week range", className="stat-label"),
                        html.Div(
                            className="range",
                            children=[
                                html.Span(_money(q["low52"], places)),
                                html.Div(
                                    html.Div(className="range-dot", style={"left": f"{pos:.1f}%"}),
                                    className="range-bar",
                                ),
                                html.Span(_money(q["high52"], places)),
                            ],
                        ),
                    ],
                    className="stat",
                ),
                html.Div(
                    [
                        html.Span(f"{period_label} return", className="stat-label"),
                        html.Span(
                            _signed(q["period_pct"], "%"), className=f"stat-value {_tone(q['period_pct'])}"
                        ),
                    ],
                    className="stat",
                ),
                html.Div(
                    [
                        html.Span("As of close", className="stat-label"),
                        html.Span(f"{q['as_of']:%a %d %b %Y}", className="stat-value"),
                    ],
                    className="stat",
                ),
                *_yield_stat(dividend_yield),
            ],
        ),
    ]


def _yield_stat(dividend_yield: float | None) -> list:
    if dividend_yield is None:
        return []
    return [
        html.Div(
            [
                html.Span("Dividend yield (TTM)", className="stat-label"),
                html.Span(f"{dividend_yield:.2f}%", className="stat-value", id="quote-yield"),
            ],
            className="stat",
        )
    ]
