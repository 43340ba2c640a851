"""A chart that cannot be drawn says why once: in the notice above it, the chart pointing there."""

from __future__ import annotations

import json

import pytest

from stockdash.web.chart import callbacks as chart_callbacks
from tests.web.conftest import services_for


@pytest.mark.parametrize(
    ("symbol", "reason"),
    [("ZZZZ", "unknown symbol: demo data covers the shipped universe only"), ("$$$", "not a valid ticker")],
)
def test_the_reason_shows_once(filled_url, symbol, reason):
    figure, _, notice, href = chart_callbacks.chart(
        services_for(filled_url), {"symbol": symbol}, "candles", []
    )
    said = json.dumps(notice, default=lambda c: c.to_plotly_json())
    assert reason in said and said.count(reason) == 1
    assert "))" not in said  # no doubled parenthesis
    (annotation,) = figure["layout"]["annotations"]
    assert annotation["text"] == chart_callbacks.NOTHING_TO_CHART and reason not in annotation["text"]
    assert href is None
