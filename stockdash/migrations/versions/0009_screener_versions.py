"""screener versions: a number per stored snapshot, new at every write, so a reader may hold one"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "screener_versions",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("as_of"),
    )
    op.execute("INSERT INTO screener_versions (as_of, version) SELECT DISTINCT as_of, 1 FROM screener")


def downgrade() -> None:
    op.drop_table("screener_versions")
