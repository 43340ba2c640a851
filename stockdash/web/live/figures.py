"""The live charts as plain dicts, and the Patches that carry only new points to them.

A chart is drawn whole once (a symbol's session, or the watchlist as % change); every refresh
after that sends a `dash.Patch`: the last minute bar held is replaced (it grew), newer ones are
appended, and the latest-quote marker moves. What the browser holds is described by a small
`held` dict (per series: trace index, points held, the last minute held) kept in a dcc.Store.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from dash import Patch

from stockdash.calendar import NEW_YORK
from stockdash.db import utc
from stockdash.live.closes import DailySession
from stockdash.live.hours import trades_around_the_clock, trading_day
from stockdash.live.latest import LiveQuote
from stockdash.live.shared_reads import MinuteBar
from stockdash.web.plotting import DOWN, GRID, INK, MUTED, UP, base_layout, message_figure

LINE_COLOURS = [
    "#2563eb", "#f59e0b", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#dc2626", "#0d9488",
    "#7c3aed", "#ea580c", "#4b5563", "#16a34a", "#be185d", "#1d4ed8", "#ca8a04", "#0369a1",
    "#a21caf", "#15803d", "#b45309", "#334155",
]  # fmt: skip
EXTENDED = "rgba(148, 163, 184, 0.14)"  # pre- and post-market shading


def ny_text(moment: datetime) -> str:
    """A moment as New York wall time, the way the x axis shows it."""
    return utc(moment).astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")


def iso(moment: datetime) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


def _extended_hours(symbol: str | None, day: date) -> list[dict]:
    """Shaded pre- and post-market of `day` (also widening the axis to the whole extended day)."""
    edges = trading_day(day)
    if edges is None or (symbol and trades_around_the_clock(symbol)):
        return []
    common = {"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1, "line": {"width": 0}}
    common |= {"fillcolor": EXTENDED, "layer": "below"}
    return [
        {**common, "x0": ny_text(edges.pre_open), "x1": ny_text(edges.open)},
        {**common, "x0": ny_text(edges.close), "x1": ny_text(edges.post_close)},
    ]


def whole_day(day: date) -> list[str]:
    """The x range of `day` midnight to midnight in New York, for symbols with no closing bell:
    the 04:00-20:00 extended day would squeeze bitcoin's 03:00 against the edge."""
    start = datetime.combine(day, time(0, 0), NEW_YORK)
    return [ny_text(start), ny_text(start + timedelta(days=1))]


HEIGHT = 420


def sized(figure: dict) -> dict:
    """A figure at the live chart's height (its box in live.css is as tall: nothing overlaps)."""
    figure["layout"]["height"] = HEIGHT
    return figure


def _layout(*, day: date, symbol: str | None, uirevision: str, percent: bool = False) -> dict:
    layout = base_layout(HEIGHT)
    layout["margin"] = {"l": 10, "r": 64, "t": 30, "b": 30}
    layout["shapes"] = _extended_hours(symbol, day)
    layout["xaxis"] = {"showgrid": False, "linecolor": GRID, "type": "date", "tickformat": "%H:%M"}
    layout["yaxis"] = {"side": "right", "gridcolor": GRID, "zeroline": percent, "zerolinecolor": "#cbd5e1"}
    if percent:
        layout["yaxis"] |= {"ticksuffix": "%", "tickformat": "+.1f"}
    layout["uirevision"] = uirevision
    layout["legend"] = {**layout["legend"], "y": 1.1}
    return layout


def _columns(rows: list[MinuteBar], kind: str, prev_close: float | None = None) -> dict[str, list]:
    """The arrays a trace of `kind` (candles, line, pct) holds for `rows` of minute bars."""
    out: dict[str, list] = {"x": [ny_text(r.minute) for r in rows]}
    if kind == "candles":
        out["open"] = [round(float(r.open), 4) for r in rows]
        out["high"] = [round(float(r.high), 4) for r in rows]
        out["low"] = [round(float(r.low), 4) for r in rows]
        out["close"] = [round(float(r.close), 4) for r in rows]
    elif kind == "pct":
        out["y"] = [round((float(r.close) / prev_close - 1) * 100, 3) if prev_close else None for r in rows]
    else:
        out["y"] = [round(float(r.close), 4) for r in rows]
    return out


def _marker(quote: LiveQuote | None) -> dict[str, Any]:
    """The latest quote as the chart's last point."""
    x = [ny_text(quote.time)] if quote else []
    y = [round(quote.price, 4)] if quote else []
    return {
        "type": "scatter",
        "mode": "markers",
        "name": "Last",
        "x": x,
        "y": y,
        "marker": {"color": INK, "size": 8, "line": {"color": "white", "width": 2}},
        "hovertemplate": "%{y:,.2f}<extra>Last quote</extra>",
        "showlegend": False,
    }


def _held_series(index: int, rows: list[MinuteBar], columns: dict[str, list]) -> dict:
    """What the browser holds of one trace: its index, points, last minute and that point's values."""
    tail = [v[-1] for v in columns.values()] if rows else None
    return {"i": index, "n": len(rows), "last": iso(rows[-1].minute) if rows else None, "tail": tail}


def _prev_close_line(prev_close: float) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": prev_close,
        "y1": prev_close,
        "line": {"color": MUTED, "width": 1, "dash": "dash"},
    }


def _prev_close_note(prev_close: float) -> dict[str, Any]:
    return {
        "text": f"Prev close {prev_close:,.2f}",
        "xref": "paper",
        "x": 0,
        "xanchor": "left",
        "yref": "y",
        "y": prev_close,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11, "color": MUTED},
    }


def session_figure(
    symbol: str,
    rows: list[MinuteBar],
    *,
    quote: LiveQuote | None,
    prev_close: float | None,
    day: date,
    chart_type: str,
    key: str,
) -> tuple[dict, dict]:
    """(figure, held) for one symbol's session: candles or a line, prev close line, the last quote."""
    if not rows and not quote:
        return sized(message_figure(f"No prices stored for {symbol} in this session yet.")), {
            "key": key,
            "series": {},
        }
    kind = "candles" if chart_type == "candles" else "line"
    columns = _columns(rows, kind)
    main: dict = {"name": symbol, **columns}
    if kind == "candles":
        main |= {
            "type": "candlestick",
            "increasing": {"line": {"color": UP, "width": 1}, "fillcolor": UP},
            "decreasing": {"line": {"color": DOWN, "width": 1}, "fillcolor": DOWN},
            "whiskerwidth": 0,
        }
    else:
        main |= {"type": "scatter", "mode": "lines", "line": {"color": INK, "width": 1.8}}
        main["hovertemplate"] = "%{y:,.2f}<extra>" + symbol + "</extra>"
    layout = _layout(day=day, symbol=symbol, uirevision=key)
    layout["xaxis"]["rangeslider"] = {"visible": False}
    if trades_around_the_clock(symbol):
        layout["xaxis"]["range"] = whole_day(day)
    layout["showlegend"] = False
    if prev_close:
        layout["shapes"].append(_prev_close_line(prev_close))
        layout["annotations"] = [_prev_close_note(prev_close)]
    figure = {"data": [main, _marker(quote)], "layout": layout}
    return figure, {"key": key, "kind": kind, "series": {symbol: _held_series(0, rows, columns)}}


def watchlist_figure(
    series: dict[str, tuple[list[MinuteBar], float | None]], *, day: date, key: str
) -> tuple[dict, dict]:
    """(figure, held) of every symbol as % change on the day against its previous close."""
    traces, held = [], {}
    for i, (symbol, (rows, prev_close)) in enumerate(series.items()):
        columns = _columns(rows, "pct", prev_close)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": symbol,
                **columns,
                "line": {"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 1.6},
                "hovertemplate": "%{y:+.2f}%<extra>" + symbol + "</extra>",
            }
        )
        held[symbol] = {**_held_series(i, rows, columns), "prev": prev_close}
    if not any(h["n"] for h in held.values()):
        return sized(message_figure("No live prices for the watchlist yet today.")), {
            "key": key,
            "series": {},
        }
    layout = _layout(day=day, symbol=None, uirevision=key, percent=True)
    if any(trades_around_the_clock(symbol) for symbol in series):
        layout["xaxis"]["range"] = whole_day(day)
    return {"data": traces, "layout": layout}, {"key": key, "kind": "pct", "series": held}


def _extend(patch: Patch, index: int, held: dict, rows: list[MinuteBar], columns: dict[str, list]) -> dict:
    """Replace the last point held if it changed (its minute grew), append newer ones; the new held series."""
    last = held.get("last")
    n = int(held.get("n") or 0)
    replace = 1 if last and rows and iso(rows[0].minute) == last and n > 0 else 0
    same = replace and [v[0] for v in columns.values()] == held.get("tail")
    for field, values in columns.items():
        if replace and not same:
            patch["data"][index][field][n - 1] = values[0]
        if len(values) > replace:
            patch["data"][index][field].extend(values[replace:])
    if not rows:
        return held
    return {
        **held,
        "n": n + len(rows) - replace,
        "last": iso(rows[-1].minute),
        "tail": [v[-1] for v in columns.values()],
    }


def session_patch(
    held: dict[str, Any], rows: list[MinuteBar], *, symbol: str, quote: LiveQuote | None
) -> tuple[Patch, dict[str, Any]]:
    """Only what is new since `held`: the grown last bar, newer bars, the latest quote marker."""
    patch = Patch()
    series = held["series"][symbol]
    new_series = _extend(patch, 0, series, rows, _columns(rows, held["kind"])) if rows else series
    marker = _marker(quote)
    patch["data"][1]["x"] = marker["x"]
    patch["data"][1]["y"] = marker["y"]
    return patch, {**held, "series": {symbol: new_series}}


def watchlist_patch(held: dict, new_rows: dict[str, list[MinuteBar]]) -> tuple[Patch | None, dict]:
    """Only what is new for each symbol's % line; None when nothing is."""
    patch = Patch()
    series = dict(held["series"])
    for symbol, rows in new_rows.items():
        if not rows or symbol not in series:
            continue
        one = series[symbol]
        series[symbol] = _extend(patch, one["i"], one, rows, _columns(rows, "pct", one.get("prev")))
    return (patch if patch._operations else None), {**held, "series": series}


def daily_candle_figure(
    session: DailySession, *, prev_close: float | None, key: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figure, held) of a session with no minute bars stored: its daily candle across the day, on
    the same axis as the minute chart (so the next refresh that finds minute bars draws it whole)."""
    edges = trading_day(session.day)
    if edges is None:
        start = datetime.combine(session.day, time(0, 0), NEW_YORK)
        opened, closed, x_range = start, start + timedelta(days=1), whole_day(session.day)
    else:
        opened, closed = edges.open, edges.close
        x_range = [ny_text(edges.pre_open), ny_text(edges.post_close)]
    middle = opened + (closed - opened) / 2
    close = round(session.close, 4)
    open_ = round(session.open, 4) if session.open is not None else close
    high = round(session.high, 4) if session.high is not None else max(open_, close)
    low = round(session.low, 4) if session.low is not None else min(open_, close)
    candle: dict[str, Any] = {
        "type": "candlestick",
        "name": session.symbol,
        "x": [ny_text(middle)],
        "open": [open_],
        "high": [high],
        "low": [low],
        "close": [close],
        "increasing": {"line": {"color": UP, "width": 1}, "fillcolor": UP},
        "decreasing": {"line": {"color": DOWN, "width": 1}, "fillcolor": DOWN},
        "whiskerwidth": 0.2,
        "hoverinfo": "y",
    }
    layout = _layout(day=session.day, symbol=session.symbol, uirevision=key)
    layout["xaxis"] |= {"range": x_range, "rangeslider": {"visible": False}}
    layout["showlegend"] = False
    # One candle has no width to draw its body with: the body spans the session, the wick its middle.
    colour = UP if close >= open_ else DOWN
    box: dict[str, Any] = {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": ny_text(opened),
        "x1": ny_text(closed),
    }
    box |= {"y0": open_, "y1": close, "fillcolor": colour, "opacity": 0.35}
    wick: dict[str, Any] = {
        "type": "line",
        "xref": "x",
        "yref": "y",
        "x0": ny_text(middle),
        "x1": ny_text(middle),
    }
    wick |= {"y0": low, "y1": high, "line": {"color": colour, "width": 1.5}}
    layout["shapes"] += [{**box, "line": {"color": colour, "width": 1}}, wick]
    if prev_close:
        layout["shapes"].append(_prev_close_line(prev_close))
        layout["annotations"] = [_prev_close_note(prev_close)]
    return {"data": [candle], "layout": layout}, {"key": key, "series": {}}
