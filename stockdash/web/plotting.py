"""What every figure shares: colours, fonts, the base layout, and the figure that says why it is empty.

Figures are plain dicts rather than `go.Figure`: plotly's validation costs tens of ms per
figure, the browser does not need it, and the chart callback has a 30 ms budget. Their long
columns are numpy arrays, not lists: Dash serialises a response with plotly's JSON encoder,
which walks every list element by element in Python (a third of a 10-year chart's cost) but
hands numpy arrays to orjson whole.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

UP = "#0f9d58"
DOWN = "#d93025"
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#eef0f4"
FONT = {"family": "Inter, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", "color": INK}


def dates(series: pd.Series) -> np.ndarray:
    """ISO dates ("2024-01-02") of a datetime64 column."""
    return series.to_numpy().astype("datetime64[D]").astype("U10")


def floats(values: npt.ArrayLike) -> np.ndarray:
    """Floats rounded to 4 places; gaps stay NaN, which the JSON encoder writes as null."""
    return np.round(np.asarray(values, dtype="float64"), 4)


def base_layout(height: int = 560) -> dict:
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
    layout = base_layout(height)
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
