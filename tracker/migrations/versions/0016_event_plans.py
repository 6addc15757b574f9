"""event plans and closing: the deadline chosen when an event is recorded, the day it closed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contract_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contract_event', schema=None) as batch_op:
        batch_op.drop_column('closed_on')
        batch_op.drop_column('plan')
