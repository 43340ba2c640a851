"""The view a link and the controls describe, as one typed value, parsed once.

`View.from_query` reads a link's query string, `View.from_store` the `view` store (a request may
carry anything there); `query()` and `store()` write them back. What a link asks for and does not
get (an unknown period, a date that is not one, a reversed range, a bad or sixth compare ticker, a
renamed symbol) is named in `notes`, shown above the chart, and never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from stockdash.movers import GROUPS, HORIZONS
from stockdash.symbols import InvalidSymbol, normalise
from stockdash.universe import former, to_yahoo
from stockdash.web import search
from stockdash.web.chart import options

DEFAULT_SYMBOL = "AAPL"
MAX_COMPARE = 5
MAX_WATCH = 20
PERIODS = ["1D", "5D", "1M", "3M", "6M", "YTD", "1Y", "5Y", "Max"]
INTRADAY_PERIODS = ("1D", "5D")  # minute bars: compare is off there (daily periods only)
DEFAULT_PERIOD = "1Y"
CUSTOM = "custom"
DEFAULT_HORIZON = "1d"
DEFAULT_GROUP = "sp500"
MAX_NOTES = 10


def current(symbol: str) -> tuple[str, str | None]:
    """What a 2020 symbol became (FB -> META), with a note saying so; other symbols as they are."""
    gone = former()
    if symbol in gone.index and gone.at[symbol, "now"]:
        now = str(gone.at[symbol, "now"])
        return now, f"{symbol} is now {now} ({gone.at[symbol, 'note']})."
    return symbol, None


def delisted(symbol: str) -> str | None:
    """Why a symbol that left the market without a successor cannot be charted, or None."""
    gone = former()
    if symbol in gone.index and not gone.at[symbol, "now"]:
        return f"{symbol} is no longer listed ({gone.at[symbol, 'note']}): there are no prices to chart."
    return None


def valid_symbols(raws: list[Any], *, doing: str = "Not compared") -> tuple[list[str], list[str]]:
    """(valid, listed, distinct tickers in order, under their current symbols; notes on the rest)."""
    symbols: list[str] = []
    notes: list[str] = []
    for raw in (r for r in raws if isinstance(r, str) and r.strip() and r != search.NO_MATCH):
        try:
            sym, renamed = current(to_yahoo(normalise(raw)))
        except InvalidSymbol as exc:
            notes.append(f"{doing}: {exc}.")
            continue
        if delisted(sym):
            notes.append(f"{doing}: {delisted(sym)}")
        elif sym not in symbols:
            symbols.append(sym)
            if renamed:
                notes.append(renamed)
    return symbols, notes


def checked_compare(raws: list[Any], symbol: str) -> tuple[list[str], list[str]]:
    """(tickers to compare with `symbol`, up to five; notes naming each one left out and why)."""
    found, notes = valid_symbols(raws)
    compare = [s for s in found if s != symbol]
    if len(compare) > MAX_COMPARE:
        extra = compare[MAX_COMPARE:]
        notes.append(f"Compare takes up to {MAX_COMPARE} tickers: {', '.join(extra)} left out.")
    return compare[:MAX_COMPARE], notes


def compare_list(raws: list[Any], symbol: str) -> list[str]:
    """Valid, distinct tickers to compare with `symbol`; malformed ones are dropped, not fatal."""
    return checked_compare(raws, symbol)[0]


def _shown(text: str) -> str:
    """A link's text quoted in a note: short, so a hostile link cannot fill the notice."""
    return repr(text[:24] + ("…" if len(text) > 24 else ""))


def parse_day(text: str | None, *, which: str) -> tuple[str | None, str | None]:
    """(ISO date or None, note on why a given text is not used): '2024-02-30' exists on no calendar."""
    if not text:
        return None, None
    day = str(text)[:10]  # the date picker may send a time after the date
    try:
        return date.fromisoformat(day).isoformat(), None
    except ValueError:
        pass
    parts = day.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return None, f"The {which} date {day} does not exist: left out."
    return None, f"The {which} date {_shown(str(text))} is not a date (YYYY-MM-DD): left out."


def in_order(start: str | None, end: str | None) -> tuple[str | None, str | None, str | None]:
    """(start, end, note): a range given end first is charted in order, and said so."""
    if start and end and start > end:
        note = (
            f"The range was given end first ({date.fromisoformat(start):%d %b %Y} to "
            f"{date.fromisoformat(end):%d %b %Y}): showing {date.fromisoformat(end):%d %b %Y} to "
            f"{date.fromisoformat(start):%d %b %Y}."
        )
        return end, start, note
    return start, end, None


def _period(text: str | None) -> tuple[str, str | None]:
    if text is None or text in PERIODS:
        return text or DEFAULT_PERIOD, None
    return DEFAULT_PERIOD, (
        f"Unknown period {_shown(text)} (periods: {', '.join(PERIODS)}): showing {DEFAULT_PERIOD}."
    )


def _choice(text: str | None, allowed: Any, default: str, what: str) -> tuple[str, str | None]:
    if text is None or text in allowed:
        return text or default, None
    return default, f"Unknown {what} {_shown(text)}: showing {default}."


@dataclass(frozen=True)
class View:
    """What the chart, the movers and the watchlist show: a link's query string, typed."""

    symbol: str = DEFAULT_SYMBOL
    compare: tuple[str, ...] = ()
    period: str = DEFAULT_PERIOD  # one of PERIODS, or CUSTOM when `start` or `end` is set
    start: str | None = None  # ISO dates
    end: str | None = None
    watch: tuple[str, ...] | None = None  # the live watchlist, once the visitor has changed it
    overlays: tuple[str, ...] = tuple(options.DEFAULT_OVERLAYS)
    indicators: tuple[str, ...] = tuple(options.DEFAULT_INDICATORS)
    interval: str | None = None
    basis: str = options.PRICE
    chart_type: str = options.DEFAULT_CHART_TYPE
    horizon: str = DEFAULT_HORIZON  # the movers card's
    group: str = DEFAULT_GROUP
    notes: tuple[str, ...] = field(default=(), compare=False)  # what the link asked for and did not get

    @property
    def intraday(self) -> bool:
        """1D or 5D: minute bars, where compare is off."""
        return self.period in INTRADAY_PERIODS

    @property
    def comparing(self) -> bool:
        """Whether the chart draws % change lines of several tickers (never on 1D or 5D)."""
        return bool(self.compare) and not self.intraday

    @classmethod
    def from_params(cls, params: dict[str, str]) -> View:
        """The view of a link's parameters (the last of each): a bad part falls back to its default, named."""
        notes: list[str] = []
        symbol = (params.get("symbol") or DEFAULT_SYMBOL).strip().upper()
        try:
            symbol, renamed = current(to_yahoo(normalise(symbol)))
            notes += [renamed] if renamed else []
        except InvalidSymbol:
            pass  # kept as typed: the chart says why it cannot be charted
        compare, compare_notes = checked_compare((params.get("compare") or "").split(","), symbol)
        notes += compare_notes
        start, start_note = parse_day(params.get("start"), which="start")
        end, end_note = parse_day(params.get("end"), which="end")
        start, end, order_note = in_order(start, end)
        notes += [n for n in (start_note, end_note, order_note) if n]
        period, period_note = _period(params.get("period"))
        if start or end:
            period = CUSTOM
        elif period_note:
            notes.append(period_note)
        chart_type, type_note = _choice(
            params.get("chart"), options.CHART_TYPES, options.DEFAULT_CHART_TYPE, "chart type"
        )
        horizon, horizon_note = _choice(params.get("horizon"), HORIZONS, DEFAULT_HORIZON, "movers horizon")
        group, group_note = _choice(params.get("group"), GROUPS, DEFAULT_GROUP, "movers group")
        notes += [n for n in (type_note, horizon_note, group_note) if n]
        chosen = options.parse(params)
        watch = valid_symbols(params["watch"].split(","))[0][:MAX_WATCH] if "watch" in params else None
        return cls(
            symbol=symbol,
            compare=tuple(compare),
            period=period,
            start=start,
            end=end,
            watch=None if watch is None else tuple(watch),
            overlays=tuple(chosen["overlays"]),
            indicators=tuple(chosen["indicators"]),
            interval=chosen["interval"],
            basis=chosen["basis"],
            chart_type=chart_type,
            horizon=horizon,
            group=group,
            notes=tuple(notes[:MAX_NOTES]),
        )

    @classmethod
    def from_query(cls, query: str | None) -> View:
        """The view a URL query string asks for."""
        text = query.lstrip("?") if isinstance(query, str) else ""
        return cls.from_params({k: v[-1] for k, v in parse_qs(text[:8000]).items()})

    @classmethod
    def from_store(cls, data: object) -> View:
        """The view in the `view` store, each field of its type: a request may carry anything there."""
        data = data if isinstance(data, dict) else {}
        params = {
            k: data[k] for k in ("symbol", "period", "start", "end", "chart_type", "horizon", "group")
            if isinstance(data.get(k), str)
        }  # fmt: skip
        params["chart"] = params.pop("chart_type", "")
        if isinstance(data.get("compare"), list):
            params["compare"] = ",".join(c for c in data["compare"] if isinstance(c, str))
        if isinstance(data.get("watch"), list):
            params["watch"] = ",".join(c for c in data["watch"] if isinstance(c, str))
        params.update(options.carried(data))
        view = cls.from_params({k: v for k, v in params.items() if v})
        notes = data.get("notes")  # what the link left out, noted when the URL was read
        if isinstance(notes, list):
            kept = [n for n in notes if isinstance(n, str)] + list(view.notes)
            view = replace(view, notes=tuple(dict.fromkeys(kept))[:MAX_NOTES])
        return view

    def with_notes(self, *notes: str) -> View:
        return replace(self, notes=tuple(notes[:MAX_NOTES]))

    def query(self) -> str:
        """The query string for the view (what a copied link carries): defaults left out but the period."""
        params: dict[str, str] = {"symbol": self.symbol}
        if self.period == CUSTOM:
            params.update({k: v for k, v in (("start", self.start), ("end", self.end)) if v})
        else:
            params["period"] = self.period
        if self.compare:
            params["compare"] = ",".join(self.compare)
        if self.watch is not None:
            params["watch"] = ",".join(self.watch)
        params.update(options.query_params(self.store()))
        if self.chart_type != options.DEFAULT_CHART_TYPE:
            params["chart"] = self.chart_type
        if self.horizon != DEFAULT_HORIZON:
            params["horizon"] = self.horizon
        if self.group != DEFAULT_GROUP:
            params["group"] = self.group
        return "?" + urlencode(params, safe=",")

    def store(self) -> dict[str, Any]:
        """The view as the `view` store holds it (JSON: lists, not tuples)."""
        return {
            "symbol": self.symbol,
            "compare": list(self.compare),
            "period": self.period,
            "start": self.start,
            "end": self.end,
            "notes": list(self.notes),
            "watch": None if self.watch is None else list(self.watch),
            "overlays": list(self.overlays),
            "indicators": list(self.indicators),
            "interval": self.interval,
            "basis": self.basis,
            "chart_type": self.chart_type,
            "horizon": self.horizon,
            "group": self.group,
        }

    def same_chart(self, other: View) -> bool:
        """Whether two views draw the same chart (notes, watchlist and movers aside)."""
        keys = ("symbol", "compare", "period", "start", "end", "overlays", "indicators", "interval", "basis")
        return all(getattr(self, k) == getattr(other, k) for k in (*keys, "chart_type"))
