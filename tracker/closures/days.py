"""Reading the closure days for planning: a handful of rows, read once per unit of work."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.models import ClosureDay


def closed_days(session: Session) -> frozenset[date]:
    """Every closure day of the buyer (the business-day calendars skip them)."""
    return frozenset(session.scalars(select(col(ClosureDay.day))))
