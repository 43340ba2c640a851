"""The screener grid's columns and texts: pure functions of the screen and its rows."""

from __future__ import annotations

from stockdash.screener import FLAGS, LABELS, NUMBERS, PRESETS, Result
from stockdash.web.components import NUM, SIGN

PCT = {"function": "params.value == null ? '' : d3.format('+.2f')(params.value) + '%'"}
PLAIN = {"function": "params.value == null ? '' : d3.format(',.2f')(params.value)"}
BIG = {"function": "params.value == null ? '' : d3.format('.3~s')(params.value)"}
WHOLE = {"function": "params.value == null ? '' : d3.format(',d')(params.value)"}
FLAG = {"function": "params.value == null ? '' : (params.value ? 'yes' : 'no')"}
SIGNED = {
    "pct_1d",
    "pct_1w",
    "pct_1m",
    "pct_3m",
    "pct_6m",
    "pct_1y",
    "pct_ytd",
    "gap_pct",
    "from_high_52w_pct",
}
BIG_FIELDS = {"volume", "avg_volume_20", "dollar_volume_20"}
WIDE_FIRST = ("pct_1d", "pct_1w", "pct_1m", "pct_ytd", "rsi14", "relvol", "gap_pct", "dollar_volume_20")


def _number_column(name: str) -> dict:
    fmt = PCT if name.startswith("pct_") or name.endswith("_pct") else PLAIN
    fmt = BIG if name in BIG_FIELDS else WHOLE if name.endswith("_days") else fmt
    column = {"field": name, "headerName": LABELS[name], "width": 96, **NUM, "valueFormatter": fmt}
    if name in SIGNED:
        column["cellClassRules"] = SIGN
    return column


def focus_fields(screen: dict) -> list[str]:
    """The figures this screen is about (its preset's, its filters', its sort's): shown first,
    and on a phone the only ones beside symbol and last."""
    out: list[str] = []
    preset = PRESETS.get(screen.get("preset") or "")
    if preset:
        out.append(preset.column)
    for text in screen.get("filters") or []:
        field = next(
            (f for f in (*NUMBERS, *FLAGS) if text.startswith(f) and text[len(f) : len(f) + 1] in "<>=!"),
            None,
        )
        if field:
            out.append(field)
    sort = (screen.get("sort") or "").lstrip("-")
    if sort in NUMBERS:
        out.append(sort)
    return [f for f in dict.fromkeys(out) if f != "close"]


def columns(screen: dict, *, narrow: bool) -> list[dict]:
    """Symbol, last and the screen's own figures first; the rest after (hidden on a phone)."""
    focus = focus_fields(screen)
    first = [
        {"field": "symbol", "headerName": "Symbol", "width": 80, "pinned": "left", "cellClass": ["sym"]},
        {**_number_column("close"), "headerName": "Last", "width": 92},
    ]
    focus_cols = [_number_column(f) if f in NUMBERS else _flag_column(f) for f in focus]
    if narrow:
        # Symbol, last and the screen's own figure fit 390 px; the sparkline is there by scrolling.
        first = [{**first[0], "width": 74}, {**first[1], "width": 88}]
        spark = {
            "field": "spark",
            "headerName": "3M",
            "width": 110,
            "cellRenderer": "Sparkline",
            "cellDataType": False,  # drawn, never text: no formatter (AG Grid warning #48)
            "sortable": False,
        }
        return first + [{**c, "width": 90} for c in focus_cols[:1]] + [spark]
    rest = [f for f in (*WIDE_FIRST, *NUMBERS) if f not in focus and f != "close"]
    return (
        first
        + focus_cols
        + [
            {
                "field": "spark",
                "headerName": "3 months",
                "width": 116,
                "cellRenderer": "Sparkline",
                "cellDataType": False,  # drawn, never text: no formatter (AG Grid warning #48)
                "sortable": False,
            },
            {"field": "name", "headerName": "Name", "width": 180, "tooltipField": "name"},
        ]
        + [_number_column(f) for f in dict.fromkeys(rest)]
        + [_flag_column(f) for f in FLAGS if f not in focus]
        + [{"field": "sector", "headerName": "Sector", "width": 150}]
    )


def _flag_column(name: str) -> dict:
    return {"field": name, "headerName": LABELS[name], "width": 100, "valueFormatter": FLAG}


def count_text(result: Result, offset: int, shown: int) -> str:
    matches = f"{result.count:,} match" + ("" if result.count == 1 else "es")
    more = f" · {offset + 1:,}–{offset + shown:,} shown" if shown < result.count else ""
    return f"{matches}{more} · as of close {result.as_of:%a %d %b %Y}"
