"""The chart's type and overlay controls, and which of them apply: a compare chart draws
% change lines only, so candles, SMAs, the 52-week band and log scale are off there, with why."""

from __future__ import annotations

from stockdash.web import ids

CHART_TYPES = {"candles": "Candles", "line": "Line"}
OVERLAY_OPTIONS = {
    "sma20": "SMA 20",
    "sma50": "SMA 50",
    "sma200": "SMA 200",
    "band": "52-wk range",
    "log": "Log scale",
}
COMPARE_HINT = "Comparing as % change: candles, SMAs, the 52-week range and log scale apply to one ticker."

CONTROL_OUTPUTS = [
    (ids.CHART_TYPE, "options"),
    (ids.OVERLAYS, "options"),
    (ids.COMPARE_HINT, "children"),
]


def _options(labels: dict[str, str], *, disabled: bool) -> list[dict]:
    return [{"label": label, "value": value, "disabled": disabled} for value, label in labels.items()]


def single_only_controls(view: dict | None) -> tuple[list[dict], list[dict], str]:
    """(chart type options, overlay options, hint): disabled, with the reason, in compare mode."""
    comparing = isinstance(view, dict) and bool(view.get("compare"))
    return (
        _options(CHART_TYPES, disabled=comparing),
        _options(OVERLAY_OPTIONS, disabled=comparing),
        COMPARE_HINT if comparing else "",
    )
