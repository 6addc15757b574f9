"""supplier portal: links, their use log, contact language

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-04 17:52:38.430387
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('portal_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_because', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['contact_id'], ['supplier_contact.id'], name=op.f('fk_portal_link_contact_id_supplier_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_portal_link_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_link')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_portal_link_token_sha256'))
    )
    with op.batch_alter_table('portal_link', schema=None) as batch_op:
        batch_op.create_index('ix_portal_link_contact_contract', ['contact_id', 'contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_link_contract_id'), ['contract_id'], unique=False)

    op.create_table('portal_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['portal_link.id'], name=op.f('fk_portal_use_link_id_portal_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_portal_use_obligation_id_obligation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_use'))
    )
    with op.batch_alter_table('portal_use', schema=None) as batch_op:
        batch_op.create_index('ix_portal_use_ip_action_at', ['ip', 'action', 'at'], unique=False)
        batch_op.create_index('ix_portal_use_link_action_at', ['link_id', 'action', 'at'], unique=False)

    with op.batch_alter_table('supplier_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('supplier_contact', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('portal_use', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_use_link_action_at')
        batch_op.drop_index('ix_portal_use_ip_action_at')

    op.drop_table('portal_use')
    with op.batch_alter_table('portal_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_link_contract_id'))
        batch_op.drop_index('ix_portal_link_contact_contract')

    op.drop_table('portal_link')
