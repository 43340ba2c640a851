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
    Column("kind", String(8), nullable=False, server_default="stock"),  # stock | etf
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
Index("ix_job_runs_parent", job_runs.c.parent_id)
