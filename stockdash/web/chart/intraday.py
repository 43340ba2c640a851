"""1D and 5D: the ticker chart from stored minute bars, and the live price in its header.

Minute bars are stored for the live set (the watchlist and what visitors watch); for any other
symbol the chart says so, records the symbol as wanted so the clock streams it, and shows the
last daily bars meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from stockdash import indicators
from stockdash.calendar import NEW_YORK
from stockdash.live.hours import session_at, trades_around_the_clock
from stockdash.web.chart import figures
from stockdash.web.chart.data import load_symbol
from stockdash.web.chart.header import quote_header
from stockdash.web.components import notice
from stockdash.web.plotting import DOWN, GRID, INK, MUTED, UP, base_layout, floats, message_figure
from stockdash.web.services import Services

PERIOD_DAYS = {"1D": 1, "5D": 5}
LOOKBACK_DAYS = 12  # calendar days searched for five sessions of minute bars (weekends, holidays)


def minute_bars(services: Services, symbol: str, *, days: int, now: datetime) -> list[dict]:
    """The stored minute bars of the last `days` New York days that have any."""
    rows = services.live.bars(symbol, now - timedelta(days=LOOKBACK_DAYS))
    dates = sorted({r["minute"].astimezone(NEW_YORK).date() for r in rows})[-days:]
    return [r for r in rows if dates and r["minute"].astimezone(NEW_YORK).date() >= dates[0]]


def session_vwap(rows: list[dict]) -> list[float]:
    """VWAP of the minute bars, anchored at each New York session's start."""
    sessions = [r["minute"].astimezone(NEW_YORK).date() for r in rows]
    high, low, close, volume = ([r[f] or 0 for r in rows] for f in ("high", "low", "close", "volume"))
    return floats(indicators.vwap(high, low, close, volume, sessions)).tolist()


def intraday_figure(symbol: str, rows: list[dict], *, chart_type: str, days: int, vwap: bool = False) -> dict:
    """Candles or a line of minute bars with volume below, VWAP over them if asked; nights and
    weekends hidden on 5D."""
    x = [r["minute"].astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") for r in rows]
    if chart_type == "line":
        price: dict = {
            "type": "scatter",
            "mode": "lines",
            "y": [r["close"] for r in rows],
            "line": {"color": INK, "width": 1.6},
            "hovertemplate": "%{y:,.2f}<extra>" + symbol + "</extra>",
        }
    else:
        price = {
            "type": "candlestick",
            **{f: [r[f] for r in rows] for f in ("open", "high", "low", "close")},
            "increasing": {"line": {"color": UP, "width": 1}, "fillcolor": UP},
            "decreasing": {"line": {"color": DOWN, "width": 1}, "fillcolor": DOWN},
            "whiskerwidth": 0,
        }
    volume = {
        "type": "bar",
        "name": "Volume",
        "x": x,
        "y": [r["volume"] or 0 for r in rows],
        "marker": {"color": "rgba(79, 70, 229, 0.35)"},
        "xaxis": "x2",
        "yaxis": "y2",
        "showlegend": False,
        "hovertemplate": "%{y:,.0f}<extra>Volume</extra>",
    }
    breaks: list[dict] = []
    if days > 1 and not trades_around_the_clock(symbol):
        breaks = [{"bounds": ["sat", "mon"]}, {"pattern": "hour", "bounds": [20, 4]}]
    x_common = {"showgrid": False, "linecolor": GRID, "rangebreaks": breaks, "type": "date"}
    layout = base_layout()
    layout["xaxis"] = {**x_common, "rangeslider": {"visible": False}, "showticklabels": False, "anchor": "y"}
    layout["xaxis2"] = {
        **x_common,
        "matches": "x",
        "anchor": "y2",
        "tickformat": "%H:%M" if days == 1 else "%a %H:%M",
    }
    axis_title = {"font": {"size": 11, "color": MUTED}}
    layout["yaxis"] = {
        "domain": [0.26, 1.0],
        "side": "right",
        "gridcolor": GRID,
        "title": {"text": "Price (USD)", **axis_title},
    }
    layout["yaxis2"] = {
        "domain": [0.0, 0.2],
        "side": "right",
        "gridcolor": GRID,
        "tickformat": "~s",
        "title": {"text": "Volume", **axis_title},
    }
    layout["showlegend"] = False
    layout["uirevision"] = f"{symbol}|intraday|{days}"
    data = [{"name": symbol, "x": x, **price}, volume]
    if vwap:
        data.insert(
            1,
            {
                "type": "scatter",
                "mode": "lines",
                "name": "VWAP",
                "x": x,
                "y": session_vwap(rows),
                "line": {"color": "#f59e0b", "width": 1.4},
                "hovertemplate": "%{y:,.2f}<extra>VWAP</extra>",
            },
        )
    return {"data": data, "layout": layout}


def live_price(
    services: Services, symbol: str, q: dict | None, *, now: datetime | None = None
) -> tuple[dict | None, str | None]:
    """The header's figures with today's live price during trading hours, and its label; else unchanged."""
    now = now or datetime.now(UTC)
    quote = services.live.snapshot().quotes.get(symbol)
    trading = trades_around_the_clock(symbol) or session_at(now) != "closed"
    if q is None or quote is None or not trading:
        return q, None
    at = quote.time.astimezone(NEW_YORK)
    if at.date() != now.astimezone(NEW_YORK).date():
        return q, None
    session = {"pre": "Pre-market", "post": "Post-market"}.get(quote.session, "Live")
    demo = " (demo)" if quote.source == "demo" else ""
    figures = {"close": quote.price, "change": quote.change, "pct_change": quote.pct_change}
    return q | figures, f"{session}{demo} · {at:%H:%M:%S} ET"


def intraday_chart(
    services: Services,
    symbol: str,
    *,
    period: str,
    chart_type: str,
    compare: bool,
    now: datetime,
    vwap: bool = False,
) -> tuple:
    """(figure, header, notice, CSV href) for 1D or 5D: minute bars where stored, else the last daily bars."""
    days = PERIOD_DAYS[period]
    main = load_symbol(
        services.engine_if_up(), symbol, stale_after_hours=services.settings.stale_after_hours, reason=None
    )
    q = figures.quote(main.bars) if not main.bars.empty else None
    q, live = live_price(services, symbol, q, now=now)
    header = quote_header(symbol, main.name, q, period_label=period, live=live)
    notes = ["Compare works on daily periods (1M and longer)."] if compare else []
    rows = minute_bars(services, symbol, days=days, now=now)
    if rows:
        since = rows[0]["minute"].isoformat().replace("+00:00", "Z")
        href = f"/api/intraday/{symbol}?{urlencode({'since': since, 'format': 'csv'})}"
        first, last = (rows[i]["minute"].astimezone(NEW_YORK) for i in (0, -1))
        notes.append(f"1-minute bars, {first:%a %d %b %H:%M} to {last:%a %d %b %H:%M} ET.")
        figure = intraday_figure(symbol, rows, chart_type=chart_type, days=days, vwap=vwap)
        return figure, header, notice(*notes), href
    if symbol not in services.settings.watchlist_symbols:
        services.live.want([symbol])  # the clock streams it from now on (the live set's cap allowing)
    notes.append(f"No minute bars stored for {symbol} yet: it is streamed once watched. Showing daily bars.")
    if main.error:
        return message_figure(main.error), header, notice(*notes), "#"
    start = main.bars["date"].iloc[-min(len(main.bars), days + 1)].date()
    figure = figures.price_figure(main.bars, symbol=symbol, start=start, chart_type=chart_type, overlays=[])
    return figure, header, notice(*notes), f"/api/history/{symbol}?format=csv&start={start}"
