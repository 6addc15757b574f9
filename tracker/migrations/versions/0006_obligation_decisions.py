"""obligation decisions asked for by the escalation ladder

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('obligation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('decided_by', sa.String(length=320), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_obligation_decision_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_obligation_decision_obligation_id_obligation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation_decision'))
    )
    with op.batch_alter_table('obligation_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_decision_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_decision_obligation_id'), ['obligation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('obligation_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_decision_obligation_id'))
        batch_op.drop_index(batch_op.f('ix_obligation_decision_contract_id'))

    op.drop_table('obligation_decision')
