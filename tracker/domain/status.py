"""Obligation statuses and how time moves an open obligation between them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class ObligationStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAIVED = "waived"
    # Replaced by the plan of a newer clause version (explicit upgrade); kept for history.
    SUPERSEDED = "superseded"


# Statuses that time moves; the others change only by a person's decision.
TIME_DRIVEN = frozenset({ObligationStatus.UPCOMING, ObligationStatus.DUE, ObligationStatus.OVERDUE})
CLOSED = frozenset(
    {ObligationStatus.ACCEPTED, ObligationStatus.WAIVED, ObligationStatus.SUPERSEDED}
)


def status_on(due_on: date, today: date, *, lead_days: int) -> ObligationStatus:
    """Upcoming until the reminder window opens, due inside it, overdue after the due date."""
    if today > due_on:
        return ObligationStatus.OVERDUE
    if (due_on - today).days <= lead_days:
        return ObligationStatus.DUE
    return ObligationStatus.UPCOMING
