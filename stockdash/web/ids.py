"""Component ids, in one place: the layout, the callbacks and the browser test share them."""

URL = "url"
VIEW = "view"  # dcc.Store: {symbol, compare, period, start, end}, the chart's single source of truth

VIEWPORT = "viewport"  # dcc.Store: {"narrow": bool}, set in the browser at load (phones get fewer columns)
AFTER_CHART = "after-chart"  # pattern id type of the parts drawn after the first chart

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
FETCH_POLL = "fetch-poll"  # dcc.Interval: re-draws the chart while workers fetch its prices

# Movers
HORIZON = "movers-horizon"
GROUP = "movers-group"
MOVERS_AS_OF = "movers-as-of"
MOVERS_NOTICE = "movers-notice"
GAINERS = "gainers"
LOSERS = "losers"
TREEMAP = "sector-treemap"
MOVERS_BODY = "movers-body"  # the tables and the map, mounted by the movers callback

# Live (stockdash/web/live/)
LIVE_BODY = "live-body"  # the table, the live chart and the alert form, drawn after the first chart
LIVE_TICK = "live-tick"  # dcc.Interval: paused while the tab is hidden
LIVE_MARKET = "live-market"
LIVE_DEMO = "live-demo"
WATCH = "live-watch"  # dcc.Store: the watchlist shown (symbols)
WATCH_SAVED = "live-watch-saved"  # dcc.Store (localStorage): the visitor's watchlist
WATCH_ADD = "live-watch-add"
WATCH_NOTE = "live-watch-note"
WATCH_GRID = "live-watch-grid"
LIVE_FOCUS = "live-focus"  # dcc.Store: the symbol the live chart shows
LIVE_VIEW = "live-view"
LIVE_TYPE = "live-type"
LIVE_GRAPH = "live-chart"
LIVE_HELD = "live-held"  # dcc.Store: what the live chart holds, so refreshes send only new points
LIVE_LABEL = "live-chart-label"
RULES = "live-rules"  # dcc.Store (localStorage): alert rules
RULE_STATE = "live-rule-state"  # dcc.Store (localStorage): each rule armed or not, its window
FIRED = "live-fired"  # dcc.Store (localStorage): what fired and when
RULE_SYMBOL = "live-rule-symbol"
RULE_KIND = "live-rule-kind"
RULE_VALUE = "live-rule-value"
RULE_MINUTES = "live-rule-minutes"
RULE_ADD = "live-rule-add"
RULE_NOTE = "live-rule-note"
RULE_LIST = "live-rule-list"
RULE_REMOVE = "live-rule-remove"  # pattern-matching id type: {"type": RULE_REMOVE, "index": rule id}
FIRED_LIST = "live-fired-list"
TOASTS = "live-toasts"
NOTIFY = "live-notify"  # the "Allow notifications" button
NOTIFY_STATE = "live-notify-state"
LIVE_ROWS = "live-rows"  # dcc.Store: the latest row updates, applied to the rows the grid holds
LIVE_SINK = "live-sink"  # dummy output of the client-side toast and notification callbacks

# Markets strip (stockdash/web/markets/)
MARKETS = "markets-strip"

# Chart analysis options (stockdash/web/chart/options.py)
INDICATORS = "indicators"  # the compact indicators menu: EMAs, Bollinger, VWAP, RSI, MACD, ATR, markers
INTERVAL = "interval"  # Day / Week / Month candles
BASIS = "basis"  # price or total return

# Screener (stockdash/web/screener/)
TABS = "tabs"  # chart | screener: which view of the page is shown (the URL's #screener says so)
CHART_TAB = "chart-tab"  # the chart, live and movers cards
SCREENER_TAB = "screener-tab"
SCREENER_BODY = "screener-body"  # the screener card, drawn after the first chart
SCREEN = "screen"  # dcc.Store: the screen shown {preset, group, sector, filters, sort}
SCREEN_PRESET = "screen-preset"
SCREEN_GROUP = "screen-group"
SCREEN_SECTOR = "screen-sector"
SCREEN_SORT = "screen-sort"
SCREEN_FIELD = "screen-field"
SCREEN_OP = "screen-op"
SCREEN_VALUE = "screen-value"
SCREEN_ADD = "screen-add"
SCREEN_FILTERS = "screen-filters"  # the filter chips: unticking one removes it
SCREEN_NOTE = "screen-note"
SCREEN_COUNT = "screen-count"
SCREEN_CSV = "screen-csv"
SCREEN_GRID = "screen-grid"
SCREEN_PREV = "screen-prev"  # the pager: the previous / next page of matches
SCREEN_NEXT = "screen-next"
SCREEN_PAGE = "screen-page"  # dcc.Store: the offset of the page shown

# The owner's delivered alerts (stockdash/web/alerts/): signed-in owner only
OWNER_VISITOR = "owner-visitor"  # the sign-in form (or how to turn server-side alerts on)
OWNER_TOKEN = "owner-token"
OWNER_SIGN_IN = "owner-sign-in"
OWNER_MESSAGE = "owner-message"
OWNER_PANEL = "owner-panel"  # the owner's rules and the add form, shown once signed in
OWNER_CHANNELS = "owner-channels"
OWNER_RULES = "owner-rules"
OWNER_SYMBOL = "owner-symbol"
OWNER_KIND = "owner-kind"
OWNER_VALUE = "owner-value"
OWNER_MINUTES = "owner-minutes"
OWNER_SELECT = "owner-select"  # which channels (numbers), empty = all
OWNER_NOTE = "owner-note"
OWNER_ADD = "owner-add"
OWNER_RULE_MESSAGE = "owner-rule-message"
OWNER_REMOVE = "owner-remove"  # pattern-matching id type: {"type": OWNER_REMOVE, "index": rule id}
OWNER_TOGGLE = "owner-toggle"  # pattern-matching id type: Pause / Resume a rule, as OWNER_REMOVE
OWNER_SIGN_OUT = "owner-sign-out"
