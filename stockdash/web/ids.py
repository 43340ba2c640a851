"""Component ids, in one place: the layout, the callbacks and the browser test share them."""

URL = "url"
VIEW = "view"  # dcc.Store: {symbol, compare, period, start, end}, the chart's single source of truth

SCROLL_SINK = "scroll-sink"  # dummy output of the client-side "scroll to the chart" callback

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

# Chart output
QUOTE = "quote"
NOTICE = "chart-notice"
GRAPH = "price-chart"
FETCH_POLL = "fetch-poll"  # dcc.Interval: re-draws the chart while workers fetch its prices

# Movers
HORIZON = "movers-horizon"
GROUP = "movers-group"
MOVERS_AS_OF = "movers-as-of"
MOVERS_NOTICE = "movers-notice"
GAINERS = "gainers"
LOSERS = "losers"
TREEMAP = "sector-treemap"
