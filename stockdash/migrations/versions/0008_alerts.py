"""delivered alerts: the owner's rules with their crossing state, firings, deliveries, sign-in attempts"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def _moment(name: str, *, nullable: bool = False) -> sa.Column:
    """A UTC instant (timestamptz on PostgreSQL)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str) -> sa.Column:
    """Free text, empty when there is none."""
    return sa.Column(name, sa.Text(), server_default="", nullable=False)


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def _flag(name: str, default: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), server_default=default, nullable=False)


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("channels", sa.String(length=200), server_default="", nullable=False),
        _text("note"),
        _flag("enabled", "1"),
        _moment("created_at"),
        _count("seq"),
        _flag("armed", "0"),
        _flag("fired", "0"),
        _moment("fired_at", nullable=True),
        _moment("seen_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_rules_symbol", "alert_rules", ["symbol"])
    op.create_table(
        "alert_firings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("crossing", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _moment("observed_at"),
        _moment("received_at"),
        _moment("fired_at"),
        sa.Column("price", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "crossing", name="uq_alert_firings_rule_crossing"),
    )
    op.create_index("ix_alert_firings_fired_at", "alert_firings", ["fired_at"])
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("firing_id", sa.Integer(), nullable=False),
        sa.Column("channel_key", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        _count("attempts"),
        _text("error"),
        _moment("created_at"),
        _moment("next_at"),
        _moment("lease_until", nullable=True),
        _moment("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("firing_id", "channel_key", name="uq_alert_deliveries_firing_channel"),
    )
    op.create_index("ix_alert_deliveries_status_next", "alert_deliveries", ["status", "next_at"])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        _moment("at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_attempts_client_at", "sign_in_attempts", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_attempts_client_at", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_index("ix_alert_deliveries_status_next", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alert_firings_fired_at", table_name="alert_firings")
    op.drop_table("alert_firings")
    op.drop_index("ix_alert_rules_symbol", table_name="alert_rules")
    op.drop_table("alert_rules")
