"""product models delivered under a contract, per-model obligations, regional calendars

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('product_type', sa.String(length=60), nullable=False),
    sa.Column('first_delivery_on', sa.Date(), nullable=False),
    sa.Column('last_delivery_on', sa.Date(), nullable=True),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.Column('retire_reason', sa.String(length=2000), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_product_model_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_model')),
    sa.UniqueConstraint('contract_id', 'manufacturer', 'name', name=op.f('uq_product_model_contract_id_manufacturer_name'))
    )
    with op.batch_alter_table('product_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_model_contract_id'), ['contract_id'], unique=False)

    # A contract's holiday calendar may name a region: DE-BY, ES-CT, CH-ZH.
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.alter_column('country', existing_type=sa.String(length=2), type_=sa.String(length=10), existing_nullable=True)

    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_model_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_obligation_product_model_id'), ['product_model_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_obligation_product_model_id_product_model'), 'product_model', ['product_model_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_obligation_product_model_id_product_model'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_obligation_product_model_id'))
        batch_op.drop_column('product_model_id')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.alter_column('country', existing_type=sa.String(length=10), type_=sa.String(length=2), existing_nullable=True)

    with op.batch_alter_table('product_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_model_contract_id'))

    op.drop_table('product_model')
