"""The price chart's figures: candles or a line with volume, overlays, compare lines, header figures.

Pure: DataFrames in, Plotly figure dicts out (no I/O, no Dash).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from stockdash.web.plotting import DOWN, GRID, INK, MUTED, UP, base_layout, dates, floats, message_figure

BAND = "rgba(99, 102, 241, 0.07)"
BAND_LINE = "rgba(99, 102, 241, 0.35)"
SMA_COLOURS = {20: "#f59e0b", 50: "#2563eb", 200: "#9333ea"}
COMPARE_COLOURS = ["#2563eb", "#f59e0b", "#9333ea", "#0891b2", "#db2777", "#65a30d"]
SESSIONS_52W = 252
# The legend keeps one order whichever overlays are on: the symbol, the SMAs, the band.
LEGEND_RANK = {"main": 1, "sma20": 2, "sma50": 3, "sma200": 4, "band": 5}


def with_indicators(bars: pd.DataFrame) -> pd.DataFrame:
    """bars plus sma20/50/200 and the rolling 52-week high and low (from the full loaded window)."""
    out = bars.copy()
    for n in SMA_COLOURS:
        out[f"sma{n}"] = out["close"].rolling(n, min_periods=n).mean()
    out["high52"] = out["high"].rolling(SESSIONS_52W, min_periods=20).max()
    out["low52"] = out["low"].rolling(SESSIONS_52W, min_periods=20).min()
    return out


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


def _axes(layout: dict, dates: pd.Series, *, log: bool, y_title: str, percent: bool = False) -> None:
    if (pd.DatetimeIndex(dates).day_of_week >= 5).any():
        breaks = []  # crypto and the like trade every day: hide nothing
    else:
        breaks = [{"bounds": ["sat", "mon"]}]
        holidays = _holidays(dates)
        if holidays:
            breaks.append({"values": holidays})
    x_common = {
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


def _volume_trace(view: pd.DataFrame) -> dict:
    up = (view["close"] >= view["open"]).to_numpy()
    return {
        "type": "bar",
        "name": "Volume",
        "x": dates(view["date"]),
        "y": view["volume"].fillna(0).to_numpy("int64"),
        "marker": {"color": np.where(up, "rgba(15,157,88,0.45)", "rgba(217,48,37,0.45)")},
        "xaxis": "x2",
        "yaxis": "y2",
        "showlegend": False,
        "hovertemplate": "%{y:,.0f}<extra>Volume</extra>",
    }


def _line(name: str, x: np.ndarray, y: pd.Series, *, line: dict, hover: str | None = None, **extra) -> dict:
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
) -> dict:
    """Candles or a close line, volume below, optional SMA 20/50/200, 52-week band and log axis."""
    frame = with_indicators(bars)
    view = visible(frame, start, end)
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
    traces.append(_volume_trace(view))
    layout = base_layout()
    _axes(layout, view["date"], log="log" in overlays, y_title="Price (USD)")
    layout["uirevision"] = f"{symbol}|{start}|{end}"
    return {"data": traces, "layout": layout}


def compare_figure(
    series: dict[str, pd.DataFrame], *, start: date | None, end: date | None = None, main: str
) -> dict:
    """% change from the first visible day (adjusted close) of each symbol, the first one's volume below."""
    traces: list[dict] = []
    main_view = None
    for i, (symbol, bars) in enumerate(series.items()):
        view = visible(bars, start, end)
        if view.empty:
            continue
        if symbol == main:
            main_view = view
        base = view["adj_close"].iloc[0]
        pct = (view["adj_close"] / base - 1.0) * 100.0
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
    layout["uirevision"] = f"compare|{'|'.join(series)}|{start}|{end}"
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
