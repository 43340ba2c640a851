"""job runs: room for the `cut_short` status, and a heartbeat"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch_op:
        batch_op.alter_column("status", type_=sa.String(16), existing_nullable=False)
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    # Before this revision a run cut short was `partial` with a message saying why.
    op.execute(
        "UPDATE job_runs SET status = 'cut_short'"
        " WHERE status = 'partial' AND message <> '' AND job IN ('pull', 'pull-symbols')"
    )


def downgrade() -> None:
    op.execute("UPDATE job_runs SET status = 'partial' WHERE status = 'cut_short'")
    with op.batch_alter_table("job_runs") as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.alter_column("status", type_=sa.String(8), existing_nullable=False)
