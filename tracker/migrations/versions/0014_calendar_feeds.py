"""calendar feeds: subscription tokens stored hashed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feed_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('manager_email', sa.String(length=320), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['supplier_contact.id'], name=op.f('fk_calendar_feed_token_contact_id_supplier_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_calendar_feed_token_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed_token')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_calendar_feed_token_token_sha256'))
    )
    with op.batch_alter_table('calendar_feed_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_token_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feed_token_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feed_token_created_by'), ['created_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('calendar_feed_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_token_created_by'))
        batch_op.drop_index(batch_op.f('ix_calendar_feed_token_contract_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_feed_token_contact_id'))

    op.drop_table('calendar_feed_token')
