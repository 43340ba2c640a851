"""1D and 5D: the ticker chart from minute bars, and the live price in its header.

The live stream stores minute bars for the live set (the watchlist and what visitors watch). For
any other symbol, or when sessions are missing, the chart asks the provider for the 1-minute bars
of the last days (web.fetch.fetch_minutes: a queue worker's job when one lives, one ask per
symbol per 10 minutes within the provider budget), stores them in the same table and draws them.
Daily candles only when the provider cannot answer, and the notice says why.

The header's period return runs from the close before the period's first session (the last one
drawn and the sessions before it) to the header's price: on 1D that is the day's change, on 5D
the change over five sessions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pandas as pd

from stockdash import indicators, minute_fetch
from stockdash.calendar import NEW_YORK, sessions
from stockdash.live.hours import is_streaming, session_at, trades_around_the_clock, trading_day
from stockdash.live.shared_reads import MinuteBar
from stockdash.web import fetch
from stockdash.web.chart import figures
from stockdash.web.chart.data import load_symbol
from stockdash.web.chart.header import quote_header
from stockdash.web.components import notice
from stockdash.web.plotting import DOWN, GRID, INK, MUTED, UP, base_layout, floats, message_figure
from stockdash.web.services import Services
from stockdash.workers.fetches import FETCHING

PERIOD_DAYS = {"1D": 1, "5D": 5}
LOOKBACK_DAYS = 12  # calendar days searched for five sessions of minute bars (weekends, holidays)
# While a symbol trades, stored minutes older than this (no stream writing them) are asked again.
FRESH_FOR = timedelta(minutes=10)


def _ny_date(row: MinuteBar) -> date:
    return row.minute.astimezone(NEW_YORK).date()


def last_days(rows: list[MinuteBar], days: int) -> list[MinuteBar]:
    """The minute bars of the last `days` New York days that have any."""
    dates = sorted({_ny_date(r) for r in rows})[-days:]
    return [r for r in rows if dates and _ny_date(r) >= dates[0]]


def minute_bars(services: Services, symbol: str, *, days: int, now: datetime) -> list[MinuteBar]:
    """The stored minute bars of the last `days` New York days that have any (none after `now`).
    Read now, not through the live view's one-second cache: what another request (or a worker)
    fetched a moment ago decides whether to ask the provider."""
    since = now - timedelta(days=LOOKBACK_DAYS)
    return last_days(
        minute_fetch.stored_minutes(services.engine_if_up(), symbol, since=since, until=now), days
    )


def expected_days(symbol: str, days: int, now: datetime) -> list[date]:
    """The last `days` New York days with trading begun by `now`: NYSE sessions from their 04:00
    pre-market, or calendar days for what trades around the clock."""
    today = now.astimezone(NEW_YORK).date()
    if trades_around_the_clock(symbol):
        return [today - timedelta(days=i) for i in range(days)][::-1]
    begun = []
    for day in sessions(today - timedelta(days=LOOKBACK_DAYS), today):
        edges = trading_day(day)
        if edges is not None and edges.pre_open <= now:
            begun.append(day)
    return begun[-days:]


def minutes_missing(symbol: str, rows: list[MinuteBar], *, days: int, now: datetime, keep_days: int) -> bool:
    """Whether to ask the provider: a day of the period has no stored minutes (one old enough to be
    pruned does not count), or the symbol trades now and its newest minute is stale."""
    stored = {_ny_date(r) for r in rows}
    kept_from = (now - timedelta(days=keep_days)).astimezone(NEW_YORK).date()
    if any(day not in stored and day > kept_from for day in expected_days(symbol, days, now)):
        return True
    return bool(rows) and is_streaming(symbol, now) and now - rows[-1].minute > FRESH_FOR


def first_of_period(symbol: str, last: date, days: int) -> date:
    """The first of the `days` trading days ending on `last` (calendar days for what trades around
    the clock): 5D's return is over five sessions even when fewer have minute bars."""
    if trades_around_the_clock(symbol):
        return last - timedelta(days=days - 1)
    ending = sessions(last - timedelta(days=LOOKBACK_DAYS), last)[-days:]
    return ending[0] if ending else last


def with_period_return(q: dict | None, daily: pd.DataFrame, first_session: date | None) -> dict | None:
    """The header's figures with the period return from the last close before `first_session`
    to the header's price (the live one when live); None when no close precedes it."""
    if q is None:
        return None
    before = (
        daily[daily["date"] < pd.Timestamp(first_session)] if first_session is not None else daily.iloc[:0]
    )
    if before.empty:
        return q | {"period_pct": None}
    return q | {"period_pct": (q["close"] / float(before["close"].iloc[-1]) - 1.0) * 100.0}


def session_vwap(rows: list[MinuteBar]) -> list[float]:
    """VWAP of the minute bars, anchored at each New York session's start."""
    sessions = [r.minute.astimezone(NEW_YORK).date() for r in rows]
    high, low, close = ([r.high for r in rows], [r.low for r in rows], [r.close for r in rows])
    volume = [r.volume or 0 for r in rows]
    return floats(indicators.vwap(high, low, close, volume, sessions)).tolist()


def intraday_figure(
    symbol: str, rows: list[MinuteBar], *, chart_type: str, days: int, vwap: bool = False
) -> dict:
    """Candles or a line of minute bars with volume below, VWAP over them if asked; nights and
    weekends hidden on 5D."""
    x = [r.minute.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") for r in rows]
    if chart_type == "line":
        price: dict = {
            "type": "scatter",
            "mode": "lines",
            "y": [r.close for r in rows],
            "line": {"color": INK, "width": 1.6},
            "hovertemplate": "%{y:,.2f}<extra>" + symbol + "</extra>",
        }
    else:
        price = {
            "type": "candlestick",
            "open": [r.open for r in rows],
            "high": [r.high for r in rows],
            "low": [r.low for r in rows],
            "close": [r.close for r in rows],
            "increasing": {"line": {"color": UP, "width": 1}, "fillcolor": UP},
            "decreasing": {"line": {"color": DOWN, "width": 1}, "fillcolor": DOWN},
            "whiskerwidth": 0,
        }
    volume = {
        "type": "bar",
        "name": "Volume",
        "x": x,
        "y": [r.volume or 0 for r in rows],
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


def _minutes(
    services: Services, symbol: str, *, days: int, now: datetime, client: str, stored_only: bool
) -> tuple[list[MinuteBar], str | None]:
    """The minute bars to draw, asking the provider first when some are missing; and why the
    provider added none (FETCHING while a worker fetches), or None."""
    rows = minute_bars(services, symbol, days=days, now=now)
    if not minutes_missing(symbol, rows, days=days, now=now, keep_days=services.settings.intraday_keep_days):
        return rows, None
    if stored_only:  # the page's first draw asks nobody: the chart callback, polled, fetches
        return rows, FETCHING
    why = fetch.fetch_minutes(services, symbol, now=now, client=client, nothing_stored=not rows)
    if why is None:
        rows = minute_bars(services, symbol, days=days, now=now)
    return rows, why


def _fallback_note(symbol: str, why: str | None) -> str:
    """Why daily candles stand in for minute bars, in plain words."""
    if why == FETCHING:
        return f"Fetching {symbol}'s 1-minute bars from the price provider; daily candles until they land."
    why = why or "none came when the price provider was last asked (at most every 10 minutes)"
    return f"No 1-minute bars for {symbol}: {why}. Showing daily candles instead."


def intraday_chart(
    services: Services,
    symbol: str,
    *,
    period: str,
    chart_type: str,
    compare: bool,
    now: datetime,
    vwap: bool = False,
    client: str = "",
    fetching: set[str] | None = None,
    stored_only: bool = False,
) -> tuple:
    """(figure, header, notice, CSV href) for 1D or 5D: minute bars (stored, or fetched now), else
    the last daily bars with the reason. Symbols being fetched by a worker are added to `fetching`."""
    days = PERIOD_DAYS[period]
    if stored_only:
        daily = dict.fromkeys(fetch.stale_symbols(services, [symbol]), FETCHING)
    else:
        daily = fetch.refresh(services, [symbol], client=client)
    main = load_symbol(
        services.engine_if_up(),
        symbol,
        stale_after_hours=services.settings.stale_after_hours,
        reason=daily.get(symbol),
    )
    rows: list[MinuteBar] = []
    why: str | None = daily.get(symbol)  # the provider does not know it: no minutes to ask for
    if not main.bars.empty or why in (None, FETCHING):
        rows, why = _minutes(services, symbol, days=days, now=now, client=client, stored_only=stored_only)
    if fetching is not None:
        fetching.update(symbol for reason in (why, daily.get(symbol)) if reason == FETCHING)
    q = figures.quote(main.bars) if not main.bars.empty else None
    q, live = live_price(services, symbol, q, now=now)
    notes = ["Compare works on daily periods (1M and longer)."] if compare else []
    notes += [main.notice] if main.notice else []
    if symbol not in services.settings.watchlist_symbols:
        services.live.want([symbol])  # the clock streams it while its hours and the live set's cap allow
    if rows:
        since = rows[0].minute.isoformat().replace("+00:00", "Z")
        href = f"/api/intraday/{symbol}?{urlencode({'since': since, 'format': 'csv'})}"
        first, last = (rows[i].minute.astimezone(NEW_YORK) for i in (0, -1))
        demo = " (demo)" if services.provider.name == "demo" else ""
        notes.append(f"1-minute bars{demo}, {first:%a %d %b %H:%M} to {last:%a %d %b %H:%M} ET.")
        if why == FETCHING:
            if not stored_only:  # (on the page's first draw the poll, a moment later, decides)
                notes.append("Fetching the other sessions' minute bars; the chart updates when they land.")
        elif why:
            notes.append(f"Other sessions' minute bars could not be fetched: {why}.")
        q = with_period_return(q, main.bars, first_of_period(symbol, _ny_date(rows[-1]), days))
        header = quote_header(symbol, main.name, q, period_label=period, live=live)
        figure = intraday_figure(symbol, rows, chart_type=chart_type, days=days, vwap=vwap)
        return figure, header, notice(*notes), href
    notes.append(_fallback_note(symbol, why))
    if main.error:
        header = quote_header(symbol, main.name, q, period_label=period, live=live)
        return message_figure(main.error), header, notice(*notes), "#"
    start = main.bars["date"].iloc[-min(len(main.bars), days + 1)].date()
    q = with_period_return(q, main.bars, main.bars["date"].iloc[-min(len(main.bars), days)].date())
    header = quote_header(symbol, main.name, q, period_label=period, live=live)
    figure = figures.price_figure(main.bars, symbol=symbol, start=start, chart_type=chart_type, overlays=[])
    return figure, header, notice(*notes), f"/api/history/{symbol}?format=csv&start={start}"
