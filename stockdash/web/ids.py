"""Component ids, in one place: the layout, the callbacks and the browser test share them."""

URL = "url"
VIEW = "view"  # dcc.Store: {symbol, compare, period, start, end}, the chart's single source of truth

VIEWPORT = "viewport"  # dcc.Store: {"narrow": bool}, set in the browser at load (phones get fewer columns)

# Header
FRESHNESS = "freshness"

# Chart controls
TICKER = "ticker"
COMPARE = "compare"
PERIOD = "period"
DATES = "dates"
CHART_TYPE = "chart-type"
OVERLAYS = "overlays"
DOWNLOAD = "download-csv"
COMPARE_HINT = "compare-hint"

# Chart output
QUOTE = "quote"
NOTICE = "chart-notice"
GRAPH = "price-chart"

# Movers
HORIZON = "movers-horizon"
GROUP = "movers-group"
MOVERS_AS_OF = "movers-as-of"
MOVERS_NOTICE = "movers-notice"
GAINERS = "gainers"
LOSERS = "losers"
TREEMAP = "sector-treemap"
MOVERS_BODY = "movers-body"  # the tables and the map, mounted by the movers callback
