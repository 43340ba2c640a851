"""The chart's type, overlay and analysis controls, and which of them apply: a compare chart draws
% change lines only, so candles, SMAs, indicators, the 52-week band, weekly candles and log scale
are off there, with why (price or total return still applies: it picks the line compared)."""

from __future__ import annotations

from stockdash.intervals import INTERVALS
from stockdash.web import ids
from stockdash.web.chart.options import BASES, INDICATOR_OPTIONS, OVERLAY_OPTIONS

CHART_TYPES = {"candles": "Candles", "line": "Line"}
COMPARE_HINT = (
    "Comparing as % change: candles, SMAs, indicators, weekly candles, the 52-week range and log scale "
    "apply to one ticker."
)

CONTROL_OUTPUTS = [
    (ids.CHART_TYPE, "options"),
    (ids.OVERLAYS, "options"),
    (ids.COMPARE_HINT, "children"),
    (ids.INDICATORS, "options"),
    (ids.INTERVAL, "options"),
]


def _options(labels: dict[str, str], *, disabled: bool) -> list[dict]:
    return [{"label": label, "value": value, "disabled": disabled} for value, label in labels.items()]


def comparing(view: dict | None) -> bool:
    return isinstance(view, dict) and bool(view.get("compare"))


def single_only_controls(view: dict | None) -> tuple[list[dict], list[dict], str]:
    """(chart type options, overlay options, hint): disabled, with the reason, in compare mode."""
    off = comparing(view)
    return (
        _options(CHART_TYPES, disabled=off),
        _options(OVERLAY_OPTIONS, disabled=off),
        COMPARE_HINT if off else "",
    )


def analysis_controls(view: dict | None) -> tuple[list[dict], list[dict]]:
    """(indicator menu options, interval options): disabled in compare mode like the overlays."""
    off = comparing(view)
    return _options(INDICATOR_OPTIONS, disabled=off), _options(INTERVALS, disabled=off)


def basis_options() -> list[dict]:
    return _options(BASES, disabled=False)
