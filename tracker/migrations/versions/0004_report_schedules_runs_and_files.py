"""report schedules runs and files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:17:40.236843
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('every', sa.String(length=10), nullable=False),
    sa.Column('scope', sa.String(length=120), nullable=False),
    sa.Column('formats', sa.JSON(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('skip_if_empty', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('first_period_start', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedule'))
    )
    op.create_table('report_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=120), nullable=False),
    sa.Column('period_label', sa.String(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('generator_version', sa.String(length=40), nullable=False),
    sa.Column('formats', sa.JSON(), nullable=False),
    sa.Column('hashes', sa.JSON(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_report_run_outbox_id_outbox_message')),
    sa.ForeignKeyConstraint(['schedule_id'], ['report_schedule.id'], name=op.f('fk_report_run_schedule_id_report_schedule')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_run')),
    sa.UniqueConstraint('schedule_id', 'period_label', name=op.f('uq_report_run_schedule_id_period_label'))
    )
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_run_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['report_run.id'], name=op.f('fk_report_file_run_id_report_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_file')),
    sa.UniqueConstraint('run_id', 'format', name=op.f('uq_report_file_run_id_format'))
    )
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_file_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_file_run_id'))

    op.drop_table('report_file')
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_run_schedule_id'))

    op.drop_table('report_run')
    op.drop_table('report_schedule')
