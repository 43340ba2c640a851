"""Indicator traces for the price chart: EMA and Bollinger overlays, RSI / MACD / ATR panes under
the volume sharing its x-axis, and dividend / split markers under the candles.

Pure: a frame of visible bars that already holds the indicator columns in, trace dicts out.
Their x and y go as Plotly typed arrays (base64; x float64 ms since the epoch, which a date axis
reads as dates; y float32, 7 significant digits): a dozen indicator lines of ten years would
otherwise cost the callback more in turning numbers into JSON text than in computing them.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd

from stockdash import actions as corporate
from stockdash.web.plotting import DOWN, GRID, MUTED, UP, floats

EMA_COLOURS = {20: "#ea580c", 50: "#0891b2", 200: "#be185d"}
BOLLINGER = "rgba(71, 85, 105, 0.9)"
BOLLINGER_FILL = "rgba(100, 116, 139, 0.08)"
PANES = ("rsi14", "macd", "atr14")  # top to bottom, under the volume
PANE_TITLES = {"rsi14": "RSI 14", "macd": "MACD", "atr14": "ATR 14"}
PRICE_PX, VOLUME_PX, PANE_PX, GAP_PX = 380, 90, 120, 26
MARKER_COLOURS = {"dividend": "#2563eb", "split": "#9333ea"}


def packed(values: object, dtype: str = "f4") -> dict:
    """A Plotly typed array of float32 (or float64 for `dtype` "f8"); NaN are gaps."""
    data = np.ascontiguousarray(np.asarray(values, dtype=f"<{dtype}"))
    return {"dtype": dtype, "bdata": base64.b64encode(data.tobytes()).decode("ascii")}


def packed_dates(days: pd.Series) -> dict:
    """Dates as a typed array of ms since the epoch (made once per figure, shared by its traces)."""
    ms = days.to_numpy().astype("datetime64[D]").astype("datetime64[ms]").astype("int64")
    return packed(ms, "f8")


def unpacked(array: dict | list) -> np.ndarray:
    """The numbers of a typed array (or of a plain list): what the browser reads."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype="float64")


def _line(
    name: str,
    x: dict,
    y: pd.Series,
    colour: str,
    *,
    axis: int = 1,
    line: dict | None = None,
    **extra: object,
) -> dict:
    refs = {} if axis == 1 else {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": packed(y),
        "line": {"color": colour, "width": 1.3, **(line or {})},
        "hovertemplate": "%{y:,.2f}<extra>" + name + "</extra>",
        **refs,
        **extra,
    }


def overlays(view: pd.DataFrame, x: dict, chosen: list[str]) -> list[dict]:
    """EMA lines and the Bollinger band over the price (`x` the bars' packed dates, made once)."""
    out = []
    if "bb20" in chosen:
        band = {"color": BOLLINGER, "width": 1, "dash": "dot"}
        out.append(_line("BB lower", x, view["bb20_lower"], BOLLINGER, line=band, showlegend=False))
        out.append(
            _line(
                "Bollinger 20",
                x,
                view["bb20_upper"],
                BOLLINGER,
                line=band,
                fill="tonexty",
                fillcolor=BOLLINGER_FILL,
            )
        )
        out.append(_line("BB middle", x, view["bb20_middle"], BOLLINGER, line={"width": 1}, showlegend=False))
    for n, colour in EMA_COLOURS.items():
        if f"ema{n}" in chosen:
            out.append(_line(f"EMA {n}", x, view[f"ema{n}"], colour, line={"dash": "dash"}))
    return out


def pane_traces(view: pd.DataFrame, x: dict, pane: str, axis: int) -> tuple[list[dict], list[dict]]:
    """(traces, shapes) of one pane on axes x{axis}/y{axis}."""
    if pane == "rsi14":
        levels = [
            {
                "type": "line",
                "xref": f"x{axis} domain",
                "x0": 0,
                "x1": 1,
                "yref": f"y{axis}",
                "y0": level,
                "y1": level,
                "line": {"color": colour, "width": 1, "dash": "dot"},
            }
            for level, colour in ((70, DOWN), (30, UP))
        ]
        return [_line("RSI 14", x, view["rsi14"], "#7c3aed", axis=axis, showlegend=False)], levels
    if pane == "macd":
        hist = view["macd_hist"].to_numpy(dtype="float64")
        bars = {
            "type": "bar",
            "name": "MACD hist",
            "x": x,
            "y": packed(hist),
            "marker": {"color": np.where(hist >= 0, "rgba(15,157,88,0.5)", "rgba(217,48,37,0.5)")},
            "xaxis": f"x{axis}",
            "yaxis": f"y{axis}",
            "showlegend": False,
            "hovertemplate": "%{y:,.3f}<extra>Histogram</extra>",
        }
        line = _line("MACD", x, view["macd"], "#2563eb", axis=axis, showlegend=False)
        signal = _line("Signal", x, view["macd_signal"], "#f59e0b", axis=axis, showlegend=False)
        return [bars, line, signal], []
    return [_line("ATR 14", x, view["atr14"], "#0f766e", axis=axis, showlegend=False)], []


BAR_DAYS = {"1d": 0, "1wk": 6, "1mo": 30}  # days a bar covers after its date, at most


def markers(view: pd.DataFrame, found: pd.DataFrame, *, currency: str, interval: str = "1d") -> list[dict]:
    """A "D" or "S" under the candle of each dividend and split (the bar holding its date)."""
    if found.empty or view.empty:
        return []
    days = view["date"].to_numpy().astype("datetime64[D]")
    at = pd.to_datetime(found["date"]).to_numpy().astype("datetime64[D]")
    index = days.searchsorted(at, side="right") - 1
    last = days[-1] + np.timedelta64(BAR_DAYS.get(interval, 0), "D")
    inside = (index >= 0) & (at <= last)
    low = view["low"].to_numpy(dtype="float64")
    out = []
    for kind, letter in (("dividend", "D"), ("split", "S")):
        pick = inside & (found["kind"] == kind).to_numpy()
        if not pick.any():
            continue
        rows = found[pick].to_dict("records")
        where = index[pick]
        out.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": "Dividends" if kind == "dividend" else "Splits",
                "x": days[where].astype("U10"),
                "y": floats(low[where] * 0.97),
                "text": [letter] * len(rows),
                "textposition": "bottom center",
                "textfont": {"size": 10, "color": MARKER_COLOURS[kind]},
                "marker": {"symbol": "triangle-up", "size": 7, "color": MARKER_COLOURS[kind]},
                "hovertext": [corporate.label(r, currency=currency) for r in rows],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "showlegend": False,  # toggled in the indicators menu
            }
        )
    return out


def stack(layout: dict, panes: list[str]) -> None:
    """Lay the price, the volume and each pane top to bottom, each its own height; only the
    bottom x-axis shows dates and every x-axis follows the price's."""
    heights = [PRICE_PX, VOLUME_PX] + [PANE_PX] * len(panes)
    total = sum(heights) + GAP_PX * (len(heights) - 1)
    layout["height"] = total + 66  # the margins and the legend
    top = 1.0
    for i, h in enumerate(heights, start=1):
        bottom = max(0.0, top - h / total)
        suffix = "" if i == 1 else str(i)
        y = layout.setdefault(f"yaxis{suffix}", {"side": "right", "gridcolor": GRID, "zeroline": False})
        y["domain"] = [round(bottom, 4), round(top, 4)]
        if i > 2:
            y["title"] = {"text": PANE_TITLES[panes[i - 3]], "font": {"size": 11, "color": MUTED}}
            x = dict(layout["xaxis2"])
            x.update({"anchor": f"y{i}", "matches": "x", "showticklabels": i == len(heights)})
            layout[f"xaxis{i}"] = x
        top = bottom - GAP_PX / total
    if panes:
        layout["xaxis2"]["showticklabels"] = False
        layout[f"xaxis{len(heights)}"]["showticklabels"] = True
    if "rsi14" in panes:
        layout[f"yaxis{3 + panes.index('rsi14')}"]["range"] = [0, 100]
