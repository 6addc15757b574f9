"""evidence findings and decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:16:19.085468
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('evidence_type', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('confidentiality', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('submitted_by', sa.String(length=320), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reviewed_by', sa.String(length=320), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_reason', sa.String(length=2000), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=True),
    sa.Column('resubmit_by', sa.Date(), nullable=True),
    sa.Column('renewal_obligation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_evidence_contract_id_contract')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_evidence_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['renewal_obligation_id'], ['obligation.id'], name=op.f('fk_evidence_renewal_obligation_id_obligation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_valid_until'), ['valid_until'], unique=False)

    op.create_table('finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=4000), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('raised_by', sa.String(length=320), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('cap_obligation_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cap_obligation_id'], ['obligation.id'], name=op.f('fk_finding_cap_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_finding_contract_id_contract')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_finding_obligation_id_obligation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finding'))
    )
    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finding_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finding_status'), ['status'], unique=False)

    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rescheduled_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('met_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=320), nullable=True))

    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=2000), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_column('note')

    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_column('decided_by')
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('met_on')
        batch_op.drop_column('rescheduled_from')

    with op.batch_alter_table('finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finding_status'))
        batch_op.drop_index(batch_op.f('ix_finding_contract_id'))

    op.drop_table('finding')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_valid_until'))
        batch_op.drop_index(batch_op.f('ix_evidence_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_obligation_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_contract_id'))

    op.drop_table('evidence')
