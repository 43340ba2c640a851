"""Pure figure builders: DataFrames in, Plotly figure dicts out (no I/O, no Dash).

Figures are plain dicts rather than `go.Figure`: plotly's validation costs tens of ms per
figure, the browser does not need it, and the chart callback has a 30 ms budget.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

UP = "#0f9d58"
DOWN = "#d93025"
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#eef0f4"
BAND = "rgba(99, 102, 241, 0.07)"
BAND_LINE = "rgba(99, 102, 241, 0.35)"
SMA_COLOURS = {20: "#f59e0b", 50: "#2563eb", 200: "#9333ea"}
COMPARE_COLOURS = ["#2563eb", "#f59e0b", "#9333ea", "#0891b2", "#db2777", "#65a30d"]
FONT = {"family": "Inter, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", "color": INK}
SESSIONS_52W = 252

OVERLAY_OPTIONS = {
    "sma20": "SMA 20",
    "sma50": "SMA 50",
    "sma200": "SMA 200",
    "band": "52-wk range",
    "log": "Log scale",
}


def _dates(series: pd.Series) -> list[str]:
    return series.dt.strftime("%Y-%m-%d").tolist()


def _floats(values) -> list:
    """Rounded floats, None for gaps (NaN is not JSON)."""
    arr = np.round(np.asarray(values, dtype="float64"), 4)
    nan = np.isnan(arr)
    if not nan.any():
        return arr.tolist()
    out = arr.astype(object)
    out[nan] = None
    return out.tolist()


def _base_layout(height: int = 560) -> dict:
    return {
        "height": height,
        "margin": {"l": 10, "r": 60, "t": 36, "b": 30},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {**FONT, "size": 12},
        "hovermode": "x unified",
        "hoverlabel": {"bgcolor": "white", "bordercolor": GRID, "font": FONT},
        "legend": {"orientation": "h", "x": 0, "y": 1.06, "font": {"size": 11}, "bgcolor": "rgba(0,0,0,0)"},
        "dragmode": "zoom",
        "uirevision": None,
    }


def message_figure(text: str, *, height: int = 560) -> dict:
    """A figure that says why there is nothing to plot: never a silently blank chart."""
    layout = _base_layout(height)
    layout.update(
        {
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": text,
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "font": {"size": 15, "color": MUTED},
                }
            ],
        }
    )
    return {"data": [], "layout": layout}


def with_indicators(bars: pd.DataFrame) -> pd.DataFrame:
    """bars plus sma20/50/200 and the rolling 52-week high and low (from the full loaded window)."""
    out = bars.copy()
    for n in SMA_COLOURS:
        out[f"sma{n}"] = out["close"].rolling(n, min_periods=n).mean()
    out["high52"] = out["high"].rolling(SESSIONS_52W, min_periods=20).max()
    out["low52"] = out["low"].rolling(SESSIONS_52W, min_periods=20).min()
    return out


def visible(frame: pd.DataFrame, start: date | None, end: date | None = None) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame["date"] >= pd.Timestamp(start)
    if end is not None:
        mask &= frame["date"] <= pd.Timestamp(end)
    return frame[mask]


def _holidays(dates: pd.Series) -> list[str]:
    """Weekdays without a session inside the range: hidden so candles sit side by side."""
    if dates.empty:
        return []
    weekdays = pd.bdate_range(dates.iloc[0], dates.iloc[-1])
    return weekdays.difference(pd.DatetimeIndex(dates)).strftime("%Y-%m-%d").tolist()


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


def _volume_trace(view: pd.DataFrame) -> dict:
    up = (view["close"] >= view["open"]).to_numpy()
    return {
        "type": "bar",
        "name": "Volume",
        "x": _dates(view["date"]),
        "y": view["volume"].fillna(0).astype("int64").tolist(),
        "marker": {"color": np.where(up, "rgba(15,157,88,0.45)", "rgba(217,48,37,0.45)").tolist()},
        "xaxis": "x2",
        "yaxis": "y2",
        "showlegend": False,
        "hovertemplate": "%{y:,.0f}<extra>Volume</extra>",
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
    x = _dates(view["date"])
    traces: list[dict] = []
    if "band" in overlays:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "52-wk low",
                "x": x,
                "y": _floats(view["low52"]),
                "line": {"color": BAND_LINE, "width": 1, "dash": "dot"},
                "hovertemplate": "%{y:,.2f}<extra>52-wk low</extra>",
                "showlegend": False,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "52-wk range",
                "x": x,
                "y": _floats(view["high52"]),
                "line": {"color": BAND_LINE, "width": 1, "dash": "dot"},
                "fill": "tonexty",
                "fillcolor": BAND,
                "hovertemplate": "%{y:,.2f}<extra>52-wk high</extra>",
            }
        )
    if chart_type == "line":
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": symbol,
                "x": x,
                "y": _floats(view["close"]),
                "line": {"color": INK, "width": 1.8},
                "hovertemplate": "%{y:,.2f}<extra>" + symbol + "</extra>",
            }
        )
    else:
        traces.append(
            {
                "type": "candlestick",
                "name": symbol,
                "x": x,
                "open": _floats(view["open"]),
                "high": _floats(view["high"]),
                "low": _floats(view["low"]),
                "close": _floats(view["close"]),
                "increasing": {"line": {"color": UP, "width": 1}, "fillcolor": UP},
                "decreasing": {"line": {"color": DOWN, "width": 1}, "fillcolor": DOWN},
                "whiskerwidth": 0,
            }
        )
    for n, colour in SMA_COLOURS.items():
        if f"sma{n}" in overlays:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": f"SMA {n}",
                    "x": x,
                    "y": _floats(view[f"sma{n}"]),
                    "line": {"color": colour, "width": 1.4},
                    "hovertemplate": "%{y:,.2f}<extra>SMA " + str(n) + "</extra>",
                }
            )
    traces.append(_volume_trace(view))
    layout = _base_layout()
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
                "x": _dates(view["date"]),
                "y": _floats(pct),
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
    layout = _base_layout()
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


def _pct_range(horizon: str) -> float:
    return {"1d": 3.0, "1w": 6.0, "1m": 12.0, "1y": 40.0}.get(horizon, 5.0)


MAX_TILES_PER_SECTOR = 60  # "all tracked" over the total market is thousands: a browser can't draw that


def _cap_tiles(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The largest tiles of each sector, the rest folded into one '+N more' tile per sector.

    Tile ids are `t:SYMBOL` (a click charts it) or `o:SECTOR` for the folded tile (not clickable).
    """
    rank = rows.groupby("sector").cumcount()
    shown, rest = rows[rank < MAX_TILES_PER_SECTOR], rows[rank >= MAX_TILES_PER_SECTOR]
    ids = [f"t:{s}" for s in shown["symbol"]]
    if rest.empty:
        return shown, ids
    folded = rest.groupby("sector").apply(
        lambda g: pd.Series(
            {
                "symbol": f"+{len(g)} more",
                "name": f"{len(g)} smaller {g.name} securities",
                "size": g["size"].sum(),
                "dollar_volume": g["dollar_volume"].sum(),
                "pct_change": float(np.average(g["pct_change"], weights=g["size"])),
            }
        ),
        include_groups=False,
    )
    folded = folded.reset_index()
    return pd.concat([shown, folded], ignore_index=True), ids + [f"o:{s}" for s in folded["sector"]]


def treemap_figure(rows: pd.DataFrame, *, horizon: str, title: str, root: str = "All") -> dict:
    """Sectors sized by dollar volume, tiles coloured by % change (red to green around 0)."""
    if rows.empty:
        return message_figure("No price changes to map yet.", height=460)
    rows = rows.sort_values("dollar_volume", ascending=False)
    rows = rows.assign(size=rows["dollar_volume"].where(rows["dollar_volume"] > 0, 1.0))
    rows, tile_ids = _cap_tiles(rows)
    sector_tot = rows.groupby("sector")["size"].sum()
    sector_pct = rows.groupby("sector").apply(
        lambda g: float(np.average(g["pct_change"], weights=g["size"])), include_groups=False
    )
    total_pct = float(np.average(rows["pct_change"], weights=rows["size"]))
    ids = ["root"] + [f"s:{s}" for s in sector_tot.index] + tile_ids
    labels = [root] + list(sector_tot.index) + rows["symbol"].tolist()
    parents = [""] + ["root"] * len(sector_tot) + [f"s:{s}" for s in rows["sector"]]
    values = [float(sector_tot.sum())] + [float(v) for v in sector_tot] + [float(v) for v in rows["size"]]
    colours = (
        [0.0] + [float(sector_pct[s]) for s in sector_tot.index] + [float(v) for v in rows["pct_change"]]
    )
    names = (
        [f"{total_pct:+.2f}% (dollar-volume weighted)"]
        + list(sector_tot.index)
        + rows["name"].astype(str).tolist()
    )
    pcts = [round(total_pct, 2)] + [round(c, 2) for c in colours[1:]]
    limit = _pct_range(horizon)
    trace = {
        "type": "treemap",
        "ids": ids,
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "total",
        "customdata": [[n, p] for n, p in zip(names, pcts, strict=True)],
        "marker": {
            "colors": colours,
            "colorscale": [
                [0.0, "#b3261e"],
                [0.35, "#f28b82"],
                [0.5, "#eceff1"],
                [0.65, "#81c995"],
                [1.0, "#0b8043"],
            ],
            "cmin": -limit,
            "cmax": limit,
            "cmid": 0,
            "line": {"color": "white", "width": 1},
            "showscale": True,
            "colorbar": {"ticksuffix": "%", "thickness": 10, "len": 0.8, "outlinewidth": 0},
        },
        "texttemplate": "<b>%{label}</b><br>%{customdata[1]:+.2f}%",
        "hovertemplate": "<b>%{label}</b> %{customdata[0]}<br>%{customdata[1]:+.2f}%<extra></extra>",
        "textposition": "middle center",
        "tiling": {"pad": 2},
        "pathbar": {"visible": True, "thickness": 20},
    }
    layout = {
        "height": 460,
        "margin": {"l": 4, "r": 4, "t": 30, "b": 4},
        "paper_bgcolor": "white",
        "font": {**FONT, "size": 12},
        "title": {"text": title, "x": 0.01, "font": {"size": 13, "color": MUTED}},
    }
    return {"data": [trace], "layout": layout}
