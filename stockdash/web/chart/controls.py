"""The chart's type, overlay and analysis controls, and which of them apply: a compare chart draws
% change lines only, so candles, SMAs, indicators, the 52-week band, weekly candles and log scale
are off there, with why (price or total return still applies: it picks the line compared).

Compare is off on 1D and 5D (minute bars of one ticker): the compare box is greyed, the hint and
the chart's notice say so, and the compared tickers come back on a daily period.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from stockdash.intervals import INTERVALS
from stockdash.web import ids
from stockdash.web.chart.options import BASES, CHART_TYPES, INDICATOR_OPTIONS, OVERLAY_OPTIONS
from stockdash.web.view import View

COMPARE_HINT = (
    "Comparing as % change: candles, SMAs, indicators, weekly candles, the 52-week range and log scale "
    "apply to one ticker."
)
COMPARE_OFF_NOTE = "Compare is off on 1D and 5D (minute bars of one ticker):"
COMPARE_OFF = f"{COMPARE_OFF_NOTE} pick 1M or longer to compare."

CONTROL_OUTPUTS = [
    (ids.CHART_TYPE, "options"),
    (ids.OVERLAYS, "options"),
    (ids.COMPARE_HINT, "children"),
    (ids.INDICATORS, "options"),
    (ids.INTERVAL, "options"),
    (ids.COMPARE, "disabled"),
]

Options = list[dict[str, Any]]


class SingleOnly(NamedTuple):
    chart_types: Options
    overlays: Options
    hint: str


class Analysis(NamedTuple):
    indicators: Options
    intervals: Options


class Controls(NamedTuple):
    """Every control's state for a view, in CONTROL_OUTPUTS' order."""

    chart_types: Options
    overlays: Options
    hint: str
    indicators: Options
    intervals: Options
    compare_disabled: bool


def _options(labels: dict[str, str], *, disabled: bool) -> Options:
    return [{"label": label, "value": value, "disabled": disabled} for value, label in labels.items()]


def _view(view: View | dict[str, Any] | None) -> View:
    return view if isinstance(view, View) else View.from_store(view)


def single_only_controls(view: View | dict[str, Any] | None) -> SingleOnly:
    """(chart type options, overlay options, hint): disabled, with the reason, in compare mode; on 1D
    and 5D the hint says compare is off."""
    shown = _view(view)
    off = shown.comparing
    hint = COMPARE_HINT if off else (COMPARE_OFF if shown.intraday else "")
    return SingleOnly(_options(CHART_TYPES, disabled=off), _options(OVERLAY_OPTIONS, disabled=off), hint)


def analysis_controls(view: View | dict[str, Any] | None) -> Analysis:
    """(indicator menu options, interval options): disabled in compare mode like the overlays."""
    off = _view(view).comparing
    return Analysis(_options(INDICATOR_OPTIONS, disabled=off), _options(INTERVALS, disabled=off))


def controls_for(view: View) -> Controls:
    """Every control's state for `view` (the compare box is off on 1D and 5D)."""
    return Controls(*single_only_controls(view), *analysis_controls(view), view.intraday)


def basis_options() -> Options:
    return _options(BASES, disabled=False)
