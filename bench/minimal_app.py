"""The framework's floor for bench/browser.py: a default Dash app with one candlestick dcc.Graph.

`gunicorn bench.minimal_app:server` (with the repo's gunicorn.conf.py). It charts the last year
of AAPL's bars from DATABASE_URL, as the dashboard does by default, with the figure in the
layout: no callback, no compression, Dash's full plotly.js.
"""

from __future__ import annotations

import os
from datetime import timedelta

from dash import Dash, dcc

from stockdash.db import make_engine
from stockdash.store import load_bars


def candlestick(database_url: str, symbol: str = "AAPL") -> dict:
    """A one-trace candlestick figure of the symbol's last year of stored bars."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            bars = load_bars(conn, symbol)
    finally:
        engine.dispose()
    bars = bars[bars["date"] > bars["date"].iloc[-1] - timedelta(days=365)]
    trace = {
        "type": "candlestick",
        "name": symbol,
        "x": [d.isoformat() for d in bars["date"]],
        **{col: bars[col].round(2).tolist() for col in ("open", "high", "low", "close")},
    }
    return {"data": [trace], "layout": {"xaxis": {"rangeslider": {"visible": False}}}}


app = Dash(__name__, title="minimal")
app.layout = dcc.Graph(id="price-chart", figure=candlestick(os.environ["DATABASE_URL"]))
# As create_app() does: finish Dash's setup before gunicorn forks, or a first page's parallel
# bundle requests can race it and get a 500 (the page then never draws).
app._setup_server()
server = app.server
