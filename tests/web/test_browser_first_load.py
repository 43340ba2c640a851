"""The page in headless Chromium draws every chart with our partial plotly.js bundle alone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.web.conftest import ROOT
from tests.web.test_browser import SHOTS, _needs_chromium, browser, wait_for  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

# Per trace type, what plotly.js draws for it: a candlestick's boxes, a line's path, a bar's
# path, a treemap tile.
DRAWN = {
    "candlestick": "#price-chart .cartesianlayer .trace.boxes path.box[d]",
    "scatter": "#price-chart .cartesianlayer .trace.scatter path.js-line[d]",
    "bar": "#price-chart .cartesianlayer .trace.bars .point path[d]",
    "treemap": "#sector-treemap .treemaplayer .trace.treemap path.surface[d]",
}


def drawn_counts(driver) -> dict[str, int]:
    return driver.execute_script(
        "const sel = arguments[0]; const out = {};"
        "for (const k in sel) { out[k] = document.querySelectorAll(sel[k]).length; }"
        "return out;",
        DRAWN,
    )


def test_every_chart_draws_with_the_partial_bundle(server, browser):  # noqa: F811 (the imported fixture)
    d = browser
    d.get(server.url + "/")
    wait_for(d, lambda d: all(drawn_counts(d).values()), f"not every trace type drew: {drawn_counts(d)}")
    counts = drawn_counts(d)
    assert counts["candlestick"] > 200 and counts["bar"] > 200, counts  # a year of daily bars
    assert counts["treemap"] >= 20, counts  # the sectors' and the stocks' tiles

    pinned = json.loads(Path(ROOT / "frontend" / "package.json").read_text())["dependencies"]["plotly.js"]
    plotly = d.execute_script(
        "return {version: Plotly.version, traces: Object.keys(Plotly.PlotSchema.get().traces).sort()}"
    )
    assert plotly == {"version": pinned, "traces": ["bar", "candlestick", "scatter", "treemap"]}

    loaded = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert [u for u in loaded if "plotly-stockdash" in u]
    assert not [u for u in loaded if re.search(r"plotly\.min\.js|dash_table|polyfill|\.map$", u)], loaded
    # dcc's chunks came with the page under fingerprinted names: webpack fetched none of them.
    assert not [u for u in loaded if re.search(r"/dcc/async-[\w-]+\.js$", u)], loaded
    assert d.execute_script("return window.__errors") == []
    d.save_screenshot(str(SHOTS / "10-first-load-partial-bundle.png"))


# The ids of the grids AG Grid has built, and a probe run in the page before any of its scripts
# that notes them when the price chart first shows a drawn trace.
GRIDS = "Array.from(document.querySelectorAll('.ag-root-wrapper')).map(g => g.closest('[id]').id)"
CHART_DRAWN = json.dumps(f"{DRAWN['candlestick']}, {DRAWN['scatter']}")
GRIDS_WHEN_DRAWN = f"""
(() => {{
  const check = () => {{
    if (window.__gridsWhenDrawn === undefined && document.querySelector({CHART_DRAWN})) {{
      window.__gridsWhenDrawn = {GRIDS};
    }}
  }};
  new MutationObserver(check).observe(document, {{childList: true, subtree: true, attributes: true}});
}})();
"""


def test_no_grid_is_built_before_the_first_chart_is_drawn(server, browser):  # noqa: F811
    """The live table and the hidden screener tab come right after the chart, not with it: built
    with it, they delayed it (docs/performance.md, First load)."""
    d = browser
    probe = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": GRIDS_WHEN_DRAWN})
    try:
        d.get(server.url + "/")
        drawn = "return window.__gridsWhenDrawn !== undefined"
        wait_for(d, lambda d: d.execute_script(drawn), "no chart drawn")
        assert d.execute_script("return window.__gridsWhenDrawn") == []

        wanted = {"live-watch-grid", "screen-grid", "gainers", "losers"}
        wait_for(
            d,
            lambda d: wanted <= set(d.execute_script(f"return {GRIDS}")),
            "the grids were not built after the chart",
        )
        assert d.execute_script("return window.__errors") == []
    finally:
        d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": probe["identifier"]})
