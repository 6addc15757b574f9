"""outbox bodies compressed with lz4 on PostgreSQL (where the server has it)

A stored message is some 9 KB, which PostgreSQL compresses. Writing the 7,418 messages of
a benchmark sweep again took 2.2 to 2.3 s with its default (pglz) and 0.66 to 0.70 s with
lz4 (INSERT ... SELECT on a loaded machine), for about the same size. Only values written
from now on are affected; SQLite stores the bytes as they are, so nothing changes there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 03:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has_lz4() -> bool:
    """Whether this server was built with lz4 (optional since PostgreSQL 14)."""
    found = op.get_bind().execute(
        sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        )
    ).scalar()
    return bool(found)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql' and _has_lz4():
        op.execute('ALTER TABLE outbox_message ALTER COLUMN raw SET COMPRESSION lz4')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql' and _has_lz4():
        op.execute('ALTER TABLE outbox_message ALTER COLUMN raw SET COMPRESSION default')
