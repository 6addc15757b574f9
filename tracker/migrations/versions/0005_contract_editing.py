"""contract editing: removed contacts, detached clauses, ended contracts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('supplier_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('contract_clause', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detached_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('detach_reason', sa.String(length=2000), nullable=True))

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_on')

    with op.batch_alter_table('contract_clause', schema=None) as batch_op:
        batch_op.drop_column('detach_reason')
        batch_op.drop_column('detached_at')

    with op.batch_alter_table('supplier_contact', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
