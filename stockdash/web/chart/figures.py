"""The price chart's figures: candles or a line with volume, overlays, compare lines, header figures.

Pure: DataFrames in, Plotly figure dicts out (no I/O, no Dash).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from stockdash import indicators, intervals
from stockdash.series import first_day
from stockdash.web.chart import panes
from stockdash.web.plotting import DOWN, GRID, INK, MUTED, UP, base_layout, dates, floats, message_figure

BAND = "rgba(99, 102, 241, 0.07)"
BAND_LINE = "rgba(99, 102, 241, 0.35)"
SMA_COLOURS = {20: "#f59e0b", 50: "#2563eb", 200: "#9333ea"}
COMPARE_COLOURS = ["#2563eb", "#f59e0b", "#9333ea", "#0891b2", "#db2777", "#65a30d"]
SESSIONS_52W = 252
BARS_52W = {"1d": SESSIONS_52W, "1wk": 52, "1mo": 12}
# The legend keeps one order whichever overlays are on: the symbol, the SMAs, the band.
LEGEND_RANK = {"main": 1, "sma20": 2, "sma50": 3, "sma200": 4, "band": 5}


def with_indicators(
    bars: pd.DataFrame, chosen: list[str] | tuple[str, ...] = (), interval: str = "1d"
) -> pd.DataFrame:
    """bars plus sma20/50/200, the rolling 52-week high and low, and the `chosen` indicators
    (EMA, Bollinger, RSI, MACD, ATR), all over every bar given: callers give the whole history."""
    out = bars.copy()
    for n in SMA_COLOURS:
        out[f"sma{n}"] = out["close"].rolling(n, min_periods=n).mean()
    window = BARS_52W.get(interval, SESSIONS_52W)
    out["high52"] = out["high"].rolling(window, min_periods=min(20, window)).max()
    out["low52"] = out["low"].rolling(window, min_periods=min(20, window)).min()
    specs = indicators.parse([c for c in chosen if c in COMPUTED])
    for name, values in indicators.compute(out, specs).items():
        out[name] = values
    return out


COMPUTED = ("ema20", "ema50", "ema200", "bb20", "rsi14", "macd", "atr14")


def total_return(bars: pd.DataFrame) -> pd.DataFrame:
    """Bars on the adjusted-close basis (dividends reinvested): open, high and low scaled like the close."""
    factor = bars["adj_close"] / bars["close"]
    return bars.assign(**{c: bars[c] * factor for c in ("open", "high", "low")}, close=bars["adj_close"])


def visible(frame: pd.DataFrame, start: date | None, end: date | None = None) -> pd.DataFrame:
    """The rows from `start` to `end` (inclusive) of bars in date order: a slice, found by bisection."""
    days = frame["date"].to_numpy()
    lo = 0 if start is None else days.searchsorted(np.datetime64(start), side="left")
    hi = len(days) if end is None else days.searchsorted(np.datetime64(end), side="right")
    return frame.iloc[lo:hi]


def _holidays(dates: pd.Series) -> list[str]:
    """Weekdays without a session inside the range: hidden so candles sit side by side."""
    if dates.empty:
        return []
    sessions = dates.to_numpy().astype("datetime64[D]")
    weekdays = np.arange(sessions[0], sessions[-1] + 1)
    weekdays = weekdays[np.is_busday(weekdays)]
    return np.setdiff1d(weekdays, sessions).astype("U10").tolist()


def _axes(
    layout: dict, dates: pd.Series, *, log: bool, y_title: str, percent: bool = False, daily: bool = True
) -> None:
    if not daily or (pd.DatetimeIndex(dates).day_of_week >= 5).any():
        breaks = []  # weekly or monthly bars, or crypto and the like trading every day: hide nothing
    else:
        breaks = [{"bounds": ["sat", "mon"]}]
        holidays = _holidays(dates)
        if holidays:
            breaks.append({"values": holidays})
    x_common = {
        "type": "date",  # indicator traces give their dates as ms since the epoch
        "showgrid": False,
        "rangebreaks": breaks,
        "showspikes": True,
        "spikemode": "across",
        "spikethickness": 1,
        "spikecolor": "#9ca3af",
        "spikedash": "dot",
        "linecolor": GRID,
    }
    layout["xaxis"] = {**x_common, "rangeslider": {"visible": False}, "showticklabels": False, "anchor": "y"}
    layout["xaxis2"] = {**x_common, "matches": "x", "anchor": "y2"}
    layout["yaxis"] = {
        "domain": [0.26, 1.0],
        "side": "right",
        "gridcolor": GRID,
        "zeroline": False,
        "type": "log" if log and not percent else "linear",
        "title": {"text": y_title, "font": {"size": 11, "color": MUTED}},
        "ticksuffix": "%" if percent else "",
        "tickformat": ",.0f" if percent else None,
    }
    layout["yaxis2"] = {
        "domain": [0.0, 0.2],
        "side": "right",
        "gridcolor": GRID,
        "zeroline": False,
        "tickformat": "~s",
        "title": {"text": "Volume", "font": {"size": 11, "color": MUTED}},
    }


# Prices to the cent and the day's volume, whatever precision the bars are stored with.
CANDLE_HOVER = "O %{open:,.2f}  H %{high:,.2f}  L %{low:,.2f}  C %{close:,.2f}<br>Vol %{customdata:,.0f}"


def _volume_trace(view: pd.DataFrame, x: np.ndarray | None = None) -> dict:
    up = (view["close"] >= view["open"]).to_numpy()
    return {
        "type": "bar",
        "name": "Volume",
        "x": dates(view["date"]) if x is None else x,
        "y": view["volume"].fillna(0).to_numpy("int64"),
        "marker": {"color": np.where(up, "rgba(15,157,88,0.45)", "rgba(217,48,37,0.45)")},
        "xaxis": "x2",
        "yaxis": "y2",
        "showlegend": False,
        "hovertemplate": "%{y:,.0f}<extra>Volume</extra>",
    }


def _line(
    name: str, x: np.ndarray, y: pd.Series, *, line: dict, hover: str | None = None, **extra: object
) -> dict:
    """A line trace whose hover shows the price with two decimals under `hover` (default: its name)."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": floats(y),
        "line": line,
        "hovertemplate": "%{y:,.2f}<extra>" + (hover or name) + "</extra>",
        **extra,
    }


def price_figure(
    bars: pd.DataFrame,
    *,
    symbol: str,
    start: date | None,
    end: date | None = None,
    chart_type: str = "candles",
    overlays: list[str] | tuple[str, ...] = (),
    chosen: list[str] | tuple[str, ...] = (),
    interval: str = "1d",
    actions: pd.DataFrame | None = None,
    basis: str = "price",
) -> dict:
    """Candles or a close line at `interval`, volume below, optional SMA 20/50/200, 52-week band and
    log axis, and the `chosen` indicators: EMA and Bollinger overlays, RSI / MACD / ATR panes,
    dividend and split markers; `basis` "tr" draws total return (adjusted prices)."""
    if basis == "tr":
        bars = total_return(bars)
    frame = with_indicators(intervals.resample(bars, interval), chosen, interval)
    view = visible(frame, intervals_start(start, interval), end)
    if view.empty:
        return message_figure(f"No prices for {symbol} in the chosen dates.")
    x = dates(view["date"])
    traces: list[dict] = []
    if "band" in overlays:
        band = {"color": BAND_LINE, "width": 1, "dash": "dot"}
        traces.append(_line("52-wk low", x, view["low52"], line=band, hover="52-wk low", showlegend=False))
        traces.append(
            _line(
                "52-wk range",
                x,
                view["high52"],
                line=band,
                hover="52-wk high",
                fill="tonexty",
                fillcolor=BAND,
                legendrank=LEGEND_RANK["band"],
            )
        )
    volume = view["volume"].fillna(0).to_numpy("int64")
    if chart_type == "line":
        main = _line(symbol, x, view["close"], line={"color": INK, "width": 1.8})
        main["customdata"] = volume
        main["hovertemplate"] = "%{y:,.2f} · Vol %{customdata:,.0f}<extra>" + symbol + "</extra>"
        traces.append(main | {"legendrank": LEGEND_RANK["main"]})
    else:
        traces.append(
            {
                "type": "candlestick",
                "name": symbol,
                "x": x,
                "open": floats(view["open"]),
                "high": floats(view["high"]),
                "low": floats(view["low"]),
                "close": floats(view["close"]),
                "increasing": {"line": {"color": UP, "width": 1}, "fillcolor": UP},
                "decreasing": {"line": {"color": DOWN, "width": 1}, "fillcolor": DOWN},
                "whiskerwidth": 0,
                "customdata": volume,
                "hovertemplate": CANDLE_HOVER + "<extra>" + symbol + "</extra>",
                "legendrank": LEGEND_RANK["main"],
            }
        )
    for n, colour in SMA_COLOURS.items():
        if f"sma{n}" in overlays:
            line = {"color": colour, "width": 1.4}
            traces.append(_line(f"SMA {n}", x, view[f"sma{n}"], line=line, legendrank=LEGEND_RANK[f"sma{n}"]))
    xs = panes.packed_dates(view["date"]) if any(c in COMPUTED for c in chosen) else {}
    traces += panes.overlays(view, xs, list(chosen))
    if actions is not None and "actions" in chosen:
        traces += panes.markers(view, actions, currency="USD", interval=interval)
    traces.append(_volume_trace(view, x))
    shown = [p for p in panes.PANES if p in chosen]
    shapes: list[dict] = []
    for i, pane in enumerate(shown, start=3):
        pane_data, pane_shapes = panes.pane_traces(view, xs, pane, i)
        traces += pane_data
        shapes += pane_shapes
    layout = base_layout()
    title = "Total return (USD)" if basis == "tr" else "Price (USD)"
    _axes(layout, view["date"], log="log" in overlays, y_title=title, daily=interval == intervals.DAILY)
    if shown:
        panes.stack(layout, shown)
        layout["shapes"] = shapes
    layout["uirevision"] = f"{symbol}|{start}|{end}|{interval}|{basis}"
    return {"data": traces, "layout": layout}


def intervals_start(start: date | None, interval: str) -> date | None:
    """The visible start for `interval`: the first day of the week or month holding `start`."""
    return first_day(start, interval) if start else None


def compare_figure(
    series: dict[str, pd.DataFrame],
    *,
    start: date | None,
    end: date | None = None,
    main: str,
    basis: str = "tr",
) -> dict:
    """% change from the first visible day of each symbol, the first one's volume below: of the
    adjusted close (total return, `basis` "tr") or of the close (price only)."""
    column = "adj_close" if basis == "tr" else "close"
    traces: list[dict] = []
    main_view = None
    for i, (symbol, bars) in enumerate(series.items()):
        view = visible(bars, start, end)
        if view.empty:
            continue
        if symbol == main:
            main_view = view
        base = view[column].iloc[0]
        pct = (view[column] / base - 1.0) * 100.0
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": symbol,
                "x": dates(view["date"]),
                "y": floats(pct),
                "line": {
                    "color": COMPARE_COLOURS[i % len(COMPARE_COLOURS)],
                    "width": 2.2 if symbol == main else 1.6,
                },
                "hovertemplate": "%{y:+.2f}%<extra>" + symbol + "</extra>",
            }
        )
    if main_view is None:
        return message_figure(f"No prices for {main} in the chosen dates.")
    traces.append(_volume_trace(main_view))
    layout = base_layout()
    _axes(layout, main_view["date"], log=False, y_title="% change", percent=True)
    layout["yaxis"]["zeroline"] = True
    layout["yaxis"]["zerolinecolor"] = "#cbd5e1"
    layout["uirevision"] = f"compare|{'|'.join(series)}|{start}|{end}|{basis}"
    return {"data": traces, "layout": layout}


def quote(bars: pd.DataFrame, *, start: date | None = None) -> dict | None:
    """Header figures: last close, change and % change vs the previous close, 52-week range, period return.

    Change uses the adjusted-close ratio (like the movers), so a dividend day is not a fake drop
    and a clicked mover shows the same % as its row.
    """
    if bars.empty:
        return None
    last = bars.iloc[-1]
    out = {
        "as_of": last["date"].date(),
        "close": float(last["close"]),
        "change": None,
        "pct_change": None,
        "low52": None,
        "high52": None,
        "period_pct": None,
    }
    if len(bars) >= 2:
        prev = bars.iloc[-2]
        ratio = float(last["adj_close"]) / float(prev["adj_close"])
        out["pct_change"] = (ratio - 1.0) * 100.0
        out["change"] = out["close"] - out["close"] / ratio
    year = bars.iloc[-SESSIONS_52W:]
    out["low52"] = float(year["low"].min())
    out["high52"] = float(year["high"].max())
    seen = visible(bars, start)
    if len(seen) >= 2:
        out["period_pct"] = (
            float(seen["adj_close"].iloc[-1]) / float(seen["adj_close"].iloc[0]) - 1.0
        ) * 100.0
    return out
