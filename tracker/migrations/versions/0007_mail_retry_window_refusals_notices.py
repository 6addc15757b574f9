"""outbox: retry window, per-recipient refusals, failure notices sent once

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-04 17:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('refused', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('failure_noticed_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('failure_noticed_at')
        batch_op.drop_column('refused')
        batch_op.drop_column('retry_until')
