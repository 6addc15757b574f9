"""reminder: partial index on the compose backlog, partial index on assigned rows

The catch-up reads the unassigned reminders in key order from `ix_reminder_unassigned`
(keyset, batch after batch); `ix_reminder_outbox_id` keeps only assigned rows, so no
planner, with or without statistics, reads the backlog through it and sorts it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 13:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNASSIGNED = sa.text("outbox_id IS NULL")
ASSIGNED = sa.text("outbox_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_outbox_id")
        batch_op.create_index(
            "ix_reminder_outbox_id",
            ["outbox_id"],
            unique=False,
            sqlite_where=ASSIGNED,
            postgresql_where=ASSIGNED,
        )
        batch_op.create_index(
            "ix_reminder_unassigned",
            ["recipient", "local_date", "contract_id", "id"],
            unique=False,
            sqlite_where=UNASSIGNED,
            postgresql_where=UNASSIGNED,
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_unassigned")
        batch_op.drop_index("ix_reminder_outbox_id")
        batch_op.create_index("ix_reminder_outbox_id", ["outbox_id"], unique=False)
