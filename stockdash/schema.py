"""The schema, in SQLAlchemy Core, for PostgreSQL and SQLite alike (Alembic migrates it)."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# Key/value facts about the database itself; `provider` says whose data it holds so
# demo bars never land in a database of real ones (or the reverse).
dataset = Table(
    "dataset",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", String(200), nullable=False),
)

securities = Table(
    "securities",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("sector", String(64), nullable=False, server_default=""),
    Column("exchange", String(32), nullable=False, server_default=""),
    Column("kind", String(8), nullable=False, server_default="stock"),  # stock etf index future fx crypto
    Column("in_sp500", Boolean, nullable=False, server_default="0"),
)

daily_bars = Table(
    "daily_bars",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("date", Date, primary_key=True),  # exchange-local trading date
    Column("open", Float),
    Column("high", Float),
    Column("low", Float),
    Column("close", Float, nullable=False),  # split-adjusted as of the fetch
    Column("adj_close", Float, nullable=False),  # also adjusted for dividends
    Column("volume", BigInteger),
)
# No index on date alone: it would make every bulk write much slower, and readers of a date
# across the universe go through the primary key symbol by symbol (see store.bars_on).

# One table for every horizon x group snapshot; `side` is gainer or loser, `rank` 1..10.
movers = Table(
    "movers",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("horizon", String(4), primary_key=True),
    Column("grp", String(16), primary_key=True),
    Column("side", String(8), primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("symbol", String(16), nullable=False),
    Column("close", Float, nullable=False),
    Column("prev_close", Float, nullable=False),
    Column("change", Float, nullable=False),
    Column("pct_change", Float, nullable=False),
    Column("volume", BigInteger),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(32), nullable=False),
    Column("provider", String(16), nullable=False, server_default=""),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # runs.Status: running | ok | partial | cut_short | failed
    Column("symbols_ok", Integer, nullable=False, server_default="0"),
    Column("symbols_failed", Integer, nullable=False, server_default="0"),
    Column("rows_written", Integer, nullable=False, server_default="0"),
    Column("failures", Text, nullable=False, server_default="{}"),  # JSON {symbol: reason}
    Column("message", Text, nullable=False, server_default=""),
    Column("target_date", Date),  # the trading date a pull or movers run was for
    Column("heartbeat_at", DateTime(timezone=True)),  # a running job touches it; a silent one died
    Column("parent_id", Integer),  # a queued pull's chunk runs point at the whole run
)
Index("ix_job_runs_job_started", job_runs.c.job, job_runs.c.started_at)

# --- live prices (issue 10) ---------------------------------------------------------------------

# The latest quote per symbol: the frame with the greatest Yahoo time (a tie goes to the later one).
live_quotes = Table(
    "live_quotes",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("time", DateTime(timezone=True), nullable=False),  # Yahoo's own timestamp, UTC
    Column("price", Float, nullable=False),
    Column("change", Float),  # against the previous close
    Column("pct_change", Float),
    Column("day_volume", BigInteger),
    Column("session", String(8), nullable=False),  # pre | regular | post
    Column("source", String(8), nullable=False),  # stream | poll | demo
)

# One row per symbol and minute (the minute's start, UTC); `day_volume` is the largest day volume
# seen in the minute, kept so the next minute's volume is a delta even after a restart.
intraday_bars = Table(
    "intraday_bars",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("minute", DateTime(timezone=True), primary_key=True),
    Column("open", Float, nullable=False),
    Column("high", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("close", Float, nullable=False),
    Column("volume", BigInteger),
    Column("day_volume", BigInteger),
)

# Symbols visitors asked for (written by the web, read by the clock). `since` is when the current
# run of asking began: first come, first served when the live set is full.
live_wanted = Table(
    "live_wanted",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("wanted_at", DateTime(timezone=True), nullable=False),
)

# One row (id 1) the clock's live ingest keeps current, for `worker.py status` and the web.
live_status = Table(
    "live_status",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("state", String(16), nullable=False),  # connected | connecting | polling | demo | stopped
    Column("source", String(8), nullable=False, server_default=""),
    Column("symbols", Text, nullable=False, server_default=""),  # the live set, comma-separated
    Column("last_frame_at", DateTime(timezone=True)),
    Column("frames_per_minute", Float, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
)

# --- provider budget (issue 9) -------------------------------------------------------------------

# On-demand provider asks by the web, one row per symbol, shared by every worker and dyno: a symbol
# is asked at most once per 10 minutes, the rows asked in the last minute are the rate budget
# (all visitors, and per `client`), and `unknown_until` says the provider had nothing for a
# never-stored symbol, so it is not asked again before then (stockdash/fetchbudget.py).
provider_asks = Table(
    "provider_asks",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("asked_at", DateTime(timezone=True), nullable=False),  # the last ask, UTC
    Column("client", String(64), nullable=False, server_default=""),  # who caused the last ask
    Column("asks", Integer, nullable=False, server_default="1"),  # asks since the row was made
    Column("unknown_until", DateTime(timezone=True)),
)
Index("ix_provider_asks_asked_at", provider_asks.c.asked_at)
Index("ix_provider_asks_client_asked_at", provider_asks.c.client, provider_asks.c.asked_at)

# --- corporate actions (issue 17) ----------------------------------------------------------------

# Dividends and splits per symbol and trading session, as the provider reports them with the bars.
# A dividend has `amount` (per share, on the bars' split-adjusted basis); a split has `numerator`
# and `denominator` (4 and 1 for 4:1, 1 and 10 for a 1:10 reverse split).
corporate_actions = Table(
    "corporate_actions",
    metadata,
    Column("symbol", String(16), primary_key=True),
    Column("date", Date, primary_key=True),  # the exchange-local trading date of the event
    Column("kind", String(8), primary_key=True),  # dividend | split
    Column("amount", Float),
    Column("numerator", Float),
    Column("denominator", Float),
)


# --- screener (issue 18) -------------------------------------------------------------------------

# One row per session and symbol with a bar that session: the figures the screener filters on
# (stockdash/stats.py computes them), plus the Wilder state (`rsi_avg_gain`, `rsi_avg_loss`,
# `atr14`) the next session's RSI and ATR roll forward from instead of re-reading all history.
SCREENER_FLOATS = (
    "close",
    "pct_1d",
    "pct_1w",
    "pct_1m",
    "pct_3m",
    "pct_6m",
    "pct_1y",
    "pct_ytd",
    "high_52w",
    "low_52w",
    "from_high_52w_pct",
    "from_low_52w_pct",
    "sma50",
    "sma200",
    "rsi14",
    "atr14_pct",
    "avg_volume_20",
    "relvol",
    "gap_pct",
    "dollar_volume_20",
    "rsi_avg_gain",
    "rsi_avg_loss",
    "atr14",
)
SCREENER_FLAGS = ("new_high_52w", "new_low_52w", "above_sma50", "above_sma200")
SCREENER_INTS = ("golden_cross_days", "death_cross_days")
screener = Table(
    "screener",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("symbol", String(16), primary_key=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("sector", String(64), nullable=False, server_default=""),
    Column("kind", String(8), nullable=False, server_default="stock"),
    Column("in_sp500", Boolean, nullable=False, server_default="0"),
    *[Column(name, Float) for name in SCREENER_FLOATS],
    *[Column(name, Boolean) for name in SCREENER_FLAGS],
    *[Column(name, Integer) for name in SCREENER_INTS],
    Column("volume", BigInteger),
)
# A number per stored snapshot that every write of it changes (stats.store, in the same
# transaction): a reader holding a snapshot in memory asks for this one row to know it is current.
screener_versions = Table(
    "screener_versions",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("version", Integer, nullable=False),
)

# --- delivered alerts (issue 19) -----------------------------------------------------------------

# The owner's rules, and each rule's crossing state: `seq` counts crossings (a firing's key is
# (rule, seq)), `armed` says the other side of the level was seen, `fired` that seq has fired.
# Every change of state is a conditional update on seq, so two clocks never both move it.
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("symbol", String(16), nullable=False),
    Column("kind", String(16), nullable=False),  # alerts.kinds.Kind
    Column("value", Float, nullable=False),
    Column("minutes", Integer),  # pct_window only
    Column("channels", String(200), nullable=False, server_default=""),  # channel numbers; "" = all
    Column("note", Text, nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seq", Integer, nullable=False, server_default="0"),
    Column("armed", Boolean, nullable=False, server_default="0"),
    Column("fired", Boolean, nullable=False, server_default="0"),
    Column("fired_at", DateTime(timezone=True)),  # the observation that fired seq
    Column("seen_at", DateTime(timezone=True)),  # the newest observation that changed the state
)
Index("ix_alert_rules_symbol", alert_rules.c.symbol)

# One row per (rule, crossing), written before anything is sent: the unique key is the guarantee.
alert_firings = Table(
    "alert_firings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", Integer, nullable=False),
    Column("crossing", Integer, nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False),  # the quote's (or bar's) time
    Column("received_at", DateTime(timezone=True), nullable=False),  # when the quote reached the ingest
    Column("fired_at", DateTime(timezone=True), nullable=False),
    Column("price", Float),
    Column("message", Text, nullable=False),
    UniqueConstraint("rule_id", "crossing", name="uq_alert_firings_rule_crossing"),
)
Index("ix_alert_firings_fired_at", alert_firings.c.fired_at)

# One delivery per firing and channel. `channel_key` is a digest of the channel's URL (never the
# URL), `channel` its masked label; pending rows are retried at `next_at` by whoever holds no lease.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("firing_id", Integer, nullable=False),
    Column("channel_key", String(16), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("status", String(8), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=False, server_default=""),  # the channel's last error, masked
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True)),  # a sender is on it until then
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("firing_id", "channel_key", name="uq_alert_deliveries_firing_channel"),
)
Index("ix_alert_deliveries_status_next", alert_deliveries.c.status, alert_deliveries.c.next_at)

# Sign-in attempts to the owner's alerts, per client, shared by every web process: the rate limit.
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_sign_in_attempts_client_at", sign_in_attempts.c.client, sign_in_attempts.c.at)
