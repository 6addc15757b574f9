"""Counts for monitoring (`/metrics`): obligations by status, due and overdue. Queries only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from tracker.context import Context
from tracker.db import read_session
from tracker.models import Obligation


def obligation_counts(ctx: Context) -> dict[str, int]:
    """How many obligations are in each status (statuses with none are left out)."""
    with read_session(ctx.engine) as session:
        rows = session.execute(
            select(col(Obligation.status), func.count()).group_by(col(Obligation.status))
        )
        return {str(status): int(n) for status, n in rows}
