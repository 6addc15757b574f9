"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 17:16:49.605119
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_contract_id'), ['contract_id'], unique=False)

    op.create_table('clause_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.String(length=80), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clause_version')),
    sa.UniqueConstraint('sha256', name=op.f('uq_clause_version_sha256'))
    )
    with op.batch_alter_table('clause_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_version_clause_id'), ['clause_id'], unique=False)

    op.create_table('supplier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('identifiers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier'))
    )
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_name'), ['name'], unique=False)

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('buyer', sa.String(length=300), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('value_amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('cpv_codes', sa.JSON(), nullable=False),
    sa.Column('manager_email', sa.String(length=320), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_contract_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('reference', name=op.f('uq_contract_reference'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('supplier_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_supplier_contact_supplier_id_supplier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_contact')),
    sa.UniqueConstraint('supplier_id', 'email', 'role', name=op.f('uq_supplier_contact_supplier_id_email_role'))
    )
    with op.batch_alter_table('supplier_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_contact_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('contract_clause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.String(length=80), nullable=False),
    sa.Column('clause_version', sa.String(length=20), nullable=False),
    sa.Column('clause_version_id', sa.Integer(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('plan_from', sa.Date(), nullable=True),
    sa.Column('attached_at', sa.DateTime(), nullable=False),
    sa.Column('attached_by', sa.String(length=320), nullable=False),
    sa.Column('next_plan_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['clause_version_id'], ['clause_version.id'], name=op.f('fk_contract_clause_clause_version_id_clause_version')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_clause_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_clause')),
    sa.UniqueConstraint('contract_id', 'clause_id', name=op.f('uq_contract_clause_contract_id_clause_id'))
    )
    with op.batch_alter_table('contract_clause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_clause_clause_version_id'), ['clause_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_clause_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_clause_next_plan_on'), ['next_plan_on'], unique=False)

    op.create_table('contract_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_event_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_event'))
    )
    with op.batch_alter_table('contract_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_event_contract_id'), ['contract_id'], unique=False)

    op.create_table('obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('contract_clause_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=80), nullable=False),
    sa.Column('occurrence', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('window_opens_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('next_reminder_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contract_clause_id'], ['contract_clause.id'], name=op.f('fk_obligation_contract_clause_id_contract_clause'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_obligation_contract_id_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation')),
    sa.UniqueConstraint('contract_clause_id', 'template_id', 'occurrence', name=op.f('uq_obligation_contract_clause_id_template_id_occurrence'))
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_next_reminder_at'), ['next_reminder_at'], unique=False)
        batch_op.create_index('ix_obligation_status_due_on', ['status', 'due_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_obligation_status_due_on')
        batch_op.drop_index(batch_op.f('ix_obligation_next_reminder_at'))
        batch_op.drop_index(batch_op.f('ix_obligation_due_on'))
        batch_op.drop_index(batch_op.f('ix_obligation_contract_id'))

    op.drop_table('obligation')
    with op.batch_alter_table('contract_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_event_contract_id'))

    op.drop_table('contract_event')
    with op.batch_alter_table('contract_clause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_clause_next_plan_on'))
        batch_op.drop_index(batch_op.f('ix_contract_clause_contract_id'))
        batch_op.drop_index(batch_op.f('ix_contract_clause_clause_version_id'))

    op.drop_table('contract_clause')
    with op.batch_alter_table('supplier_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_contact_supplier_id'))

    op.drop_table('supplier_contact')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_supplier_id'))

    op.drop_table('contract')
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_name'))

    op.drop_table('supplier')
    with op.batch_alter_table('clause_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_version_clause_id'))

    op.drop_table('clause_version')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_contract_id'))

    op.drop_table('audit_event')
