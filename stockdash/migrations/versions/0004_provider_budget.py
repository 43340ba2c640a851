"""provider budget: on-demand provider asks shared by every web process"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "provider_asks",
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=64), server_default="", nullable=False),
        sa.Column("asks", sa.Integer(), server_default="1", nullable=False),
        sa.Column("unknown_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("symbol"),
    )
    op.create_index("ix_provider_asks_asked_at", "provider_asks", ["asked_at"])
    op.create_index("ix_provider_asks_client_asked_at", "provider_asks", ["client", "asked_at"])


def downgrade() -> None:
    op.drop_index("ix_provider_asks_client_asked_at", table_name="provider_asks")
    op.drop_index("ix_provider_asks_asked_at", table_name="provider_asks")
    op.drop_table("provider_asks")
