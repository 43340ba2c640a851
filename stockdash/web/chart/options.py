"""The chart's analysis options in the view and the URL: overlays and indicators, interval, price basis.

In the link: `ind=sma50,sma200,rsi14,macd` (overlay chips and the indicators menu together;
absent means the defaults, `none` means none), `interval=1d|1wk|1mo` (absent: no button on, daily,
or weekly for 5Y and Max on a phone), `basis=tr` (total return; absent: price). One callback keeps these
controls and the URL in step; urlstate's own callback keeps them in the URL it writes.
"""

from __future__ import annotations

from stockdash.intervals import DAILY, INTERVALS

CHART_TYPES = {"candles": "Candles", "line": "Line"}
DEFAULT_CHART_TYPE = "candles"
OVERLAY_OPTIONS = {
    "sma20": "SMA 20",
    "sma50": "SMA 50",
    "sma200": "SMA 200",
    "band": "52-wk range",
    "log": "Log scale",
}
INDICATOR_OPTIONS = {
    "ema20": "EMA 20",
    "ema50": "EMA 50",
    "ema200": "EMA 200",
    "bb20": "Bollinger 20, 2σ",
    "vwap": "VWAP (1D, 5D)",
    "rsi14": "RSI 14",
    "macd": "MACD 12/26/9",
    "atr14": "ATR 14",
    "actions": "Dividends & splits",
}
DEFAULT_OVERLAYS = ["sma50", "sma200"]
DEFAULT_INDICATORS = ["actions"]
BASES = {"price": "Price", "tr": "Total return"}
PRICE = "price"
LONG_PERIODS = ("5Y", "Max")  # weekly candles by default on a phone: 1,250+ daily ones are unreadable
KEYS = ("overlays", "indicators", "interval", "basis")
NONE = "none"  # `ind=none`: nothing on (an empty `ind=` is dropped from a query string like no `ind`)


def parse(params: dict[str, str]) -> dict:
    """The options a link's query parameters ask for; unknown names and values are dropped."""
    chosen = params.get("ind")
    if chosen is None:
        overlays, indicators = list(DEFAULT_OVERLAYS), list(DEFAULT_INDICATORS)
    else:
        names = list(dict.fromkeys(n.strip().lower() for n in chosen.split(",")))
        overlays = [n for n in names if n in OVERLAY_OPTIONS]
        indicators = [n for n in names if n in INDICATOR_OPTIONS]
    interval = params.get("interval")
    return {
        "overlays": overlays,
        "indicators": indicators,
        "interval": interval if interval in INTERVALS else None,
        "basis": "tr" if params.get("basis") == "tr" else PRICE,
    }


def query_params(view: dict) -> dict[str, str]:
    """The URL parameters for the view's options: only what differs from the defaults."""
    out: dict[str, str] = {}
    overlays, indicators = view.get("overlays"), view.get("indicators")
    lists = isinstance(overlays, list) and isinstance(indicators, list)
    if lists and (overlays, indicators) != (DEFAULT_OVERLAYS, DEFAULT_INDICATORS):
        out["ind"] = ",".join(overlays + indicators) or NONE  # type: ignore[operator]
    if view.get("interval") in INTERVALS:
        out["interval"] = view["interval"]
    if view.get("basis") == "tr":
        out["basis"] = "tr"
    return out


def carried(data: dict) -> dict[str, str]:
    """The option parameters of a view held in the `view` store (any shape a request sends)."""
    out: dict[str, str] = {}
    lists = [data.get(k) for k in ("overlays", "indicators")]
    if all(isinstance(v, list) for v in lists):
        out["ind"] = ",".join(n for v in lists for n in v if isinstance(n, str)) or NONE  # type: ignore[union-attr]
    for key in ("interval", "basis"):
        if isinstance(data.get(key), str):
            out[key] = data[key]
    return out


def interval_of(chosen: str | None, period: str, *, narrow: bool) -> str:
    """The interval to draw: the chosen one, else weekly for a long period on a phone, else daily."""
    if chosen in INTERVALS:
        return chosen
    return "1wk" if narrow and period in LONG_PERIODS else DAILY


def picked(values: object, allowed: dict[str, str]) -> tuple[str, ...]:
    """A control's chosen values that it offers (a request may send anything)."""
    return tuple(v for v in values if isinstance(v, str) and v in allowed) if isinstance(values, list) else ()
