"""screener: a daily snapshot of figures per symbol, with the Wilder state RSI and ATR roll on from"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

# Written out here: a revision imports nothing that may change.
FLOATS = (
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
FLAGS = ("new_high_52w", "new_low_52w", "above_sma50", "above_sma200")
INTS = ("golden_cross_days", "death_cross_days")


def upgrade() -> None:
    op.create_table(
        "screener",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("sector", sa.String(length=64), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=8), server_default="stock", nullable=False),
        sa.Column("in_sp500", sa.Boolean(), server_default="0", nullable=False),
        *[sa.Column(name, sa.Float(), nullable=True) for name in FLOATS],
        *[sa.Column(name, sa.Boolean(), nullable=True) for name in FLAGS],
        *[sa.Column(name, sa.Integer(), nullable=True) for name in INTS],
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("as_of", "symbol"),
    )


def downgrade() -> None:
    op.drop_table("screener")
