"""The movers' sector map: sectors sized by dollar volume, tiles coloured by % change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stockdash.web.plotting import FONT, MUTED, message_figure


def _pct_range(horizon: str) -> float:
    return {"1d": 3.0, "1w": 6.0, "1m": 12.0, "1y": 40.0}.get(horizon, 5.0)


MAX_TILES_PER_SECTOR = 60  # "all tracked" over the total market is thousands: a browser can't draw that


def _cap_tiles(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The largest tiles of each sector, the rest folded into one '+N more' tile per sector.

    Tile ids are `t:SYMBOL` (a click charts it) or `o:SECTOR` for the folded tile (not clickable).
    """
    rank = rows.groupby("sector").cumcount()
    shown, rest = rows[rank < MAX_TILES_PER_SECTOR], rows[rank >= MAX_TILES_PER_SECTOR]
    ids = [f"t:{s}" for s in shown["symbol"]]
    if rest.empty:
        return shown, ids
    folded = rest.groupby("sector").apply(
        lambda g: pd.Series(
            {
                "symbol": f"+{len(g)} more",
                "name": f"{len(g)} smaller {g.name} securities",
                "size": g["size"].sum(),
                "dollar_volume": g["dollar_volume"].sum(),
                "pct_change": float(np.average(g["pct_change"], weights=g["size"])),
            }
        ),
        include_groups=False,
    )
    folded = folded.reset_index()
    return pd.concat([shown, folded], ignore_index=True), ids + [f"o:{s}" for s in folded["sector"]]


def treemap_figure(rows: pd.DataFrame, *, horizon: str, title: str, root: str = "All") -> dict:
    """Sectors sized by dollar volume, tiles coloured by % change (red to green around 0)."""
    if rows.empty:
        return message_figure("No price changes to map yet.", height=460)
    rows = rows.sort_values("dollar_volume", ascending=False)
    rows = rows.assign(size=rows["dollar_volume"].where(rows["dollar_volume"] > 0, 1.0))
    rows, tile_ids = _cap_tiles(rows)
    sector_tot = rows.groupby("sector")["size"].sum()
    sector_pct = rows.groupby("sector").apply(
        lambda g: float(np.average(g["pct_change"], weights=g["size"])), include_groups=False
    )
    total_pct = float(np.average(rows["pct_change"], weights=rows["size"]))
    ids = ["root"] + [f"s:{s}" for s in sector_tot.index] + tile_ids
    labels = [root] + list(sector_tot.index) + rows["symbol"].tolist()
    parents = [""] + ["root"] * len(sector_tot) + [f"s:{s}" for s in rows["sector"]]
    values = [float(sector_tot.sum())] + [float(v) for v in sector_tot] + [float(v) for v in rows["size"]]
    colours = (
        [0.0] + [float(sector_pct[s]) for s in sector_tot.index] + [float(v) for v in rows["pct_change"]]
    )
    names = (
        [f"{total_pct:+.2f}% (dollar-volume weighted)"]
        + list(sector_tot.index)
        + rows["name"].astype(str).tolist()
    )
    pcts = [round(total_pct, 2)] + [round(c, 2) for c in colours[1:]]
    limit = _pct_range(horizon)
    trace = {
        "type": "treemap",
        "ids": ids,
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "total",
        "customdata": [[n, p] for n, p in zip(names, pcts, strict=True)],
        "marker": {
            "colors": colours,
            "colorscale": [
                [0.0, "#b3261e"],
                [0.35, "#f28b82"],
                [0.5, "#eceff1"],
                [0.65, "#81c995"],
                [1.0, "#0b8043"],
            ],
            "cmin": -limit,
            "cmax": limit,
            "cmid": 0,
            "line": {"color": "white", "width": 1},
            "showscale": True,
            "colorbar": {"ticksuffix": "%", "thickness": 10, "len": 0.8, "outlinewidth": 0},
        },
        "texttemplate": "<b>%{label}</b><br>%{customdata[1]:+.2f}%",
        "hovertemplate": "<b>%{label}</b> %{customdata[0]}<br>%{customdata[1]:+.2f}%<extra></extra>",
        "textposition": "middle center",
        "tiling": {"pad": 2},
        "pathbar": {"visible": True, "thickness": 20},
    }
    layout = {
        "height": 460,
        "margin": {"l": 4, "r": 4, "t": 30, "b": 4},
        "paper_bgcolor": "white",
        "font": {**FONT, "size": 12},
        "title": {"text": title, "x": 0.01, "font": {"size": 13, "color": MUTED}},
    }
    return {"data": [trace], "layout": layout}
