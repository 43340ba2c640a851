"""live prices: latest quotes, minute bars, wanted symbols, live status"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


# The column kinds the live tables repeat, written here: a revision imports nothing that may change.
def _word(name: str, length: int) -> sa.Column:
    """A short required string: a ticker, a session, a state."""
    return sa.Column(name, sa.String(length=length), nullable=False)


def _symbol() -> sa.Column:
    """The key of the live tables: a Yahoo ticker."""
    return _word("symbol", 16)


def _moment(name: str, *, nullable: bool = False) -> sa.Column:
    """A UTC instant (timestamptz on PostgreSQL)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _prices(*names: str, nullable: bool = False) -> list[sa.Column]:
    """Price columns, in the order named."""
    return [sa.Column(name, sa.Float(), nullable=nullable) for name in names]


def _text(name: str) -> sa.Column:
    """Free text, empty when there is none."""
    return sa.Column(name, sa.Text(), server_default="", nullable=False)


def upgrade() -> None:
    op.create_table(
        "live_quotes",
        _symbol(),
        _moment("time"),
        *_prices("price"),
        *_prices("change", "pct_change", nullable=True),
        sa.Column("day_volume", sa.BigInteger(), nullable=True),
        _word("session", 8),
        _word("source", 8),
        sa.PrimaryKeyConstraint("symbol"),
    )
    op.create_table(
        "intraday_bars",
        _symbol(),
        _moment("minute"),
        *_prices("open", "high", "low", "close"),
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.Column("day_volume", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("symbol", "minute"),
    )
    op.create_table(
        "live_wanted",
        _symbol(),
        _moment("since"),
        _moment("wanted_at"),
        sa.PrimaryKeyConstraint("symbol"),
    )
    op.create_table(
        "live_status",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        _word("state", 16),
        sa.Column("source", sa.String(length=8), server_default="", nullable=False),
        _text("symbols"),
        _moment("last_frame_at", nullable=True),
        sa.Column("frames_per_minute", sa.Float(), server_default="0", nullable=False),
        _moment("updated_at"),
        _text("message"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("live_status")
    op.drop_table("live_wanted")
    op.drop_table("intraday_bars")
    op.drop_table("live_quotes")
