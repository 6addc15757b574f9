"""Obligation statuses and how time moves an open obligation between them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from tracker.domain.localtime import local_instant


class ObligationStatus(StrEnum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"
    # Replaced by the plan of a newer clause version (explicit upgrade); kept for history.
    SUPERSEDED = "superseded"


# Statuses that time moves; the others change only by a person's decision.
TIME_DRIVEN = frozenset({ObligationStatus.UPCOMING, ObligationStatus.DUE, ObligationStatus.OVERDUE})
CLOSED = frozenset(
    {
        ObligationStatus.ACCEPTED,
        ObligationStatus.WAIVED,
        ObligationStatus.NOT_APPLICABLE,
        ObligationStatus.SUPERSEDED,
    }
)


def status_on(due_on: date, today: date, *, lead_days: int) -> ObligationStatus:
    """Upcoming until the reminder window opens, due inside it, overdue after the due date."""
    if today > due_on:
        return ObligationStatus.OVERDUE
    if (due_on - today).days <= lead_days:
        return ObligationStatus.DUE
    return ObligationStatus.UPCOMING


def status_after(status: str, *, due_on: date, today: date, lead_days: int) -> str:
    """What time makes of a status on `today`. Time-driven statuses follow the calendar;
    a rejected submission waiting for resubmission turns overdue after its deadline;
    statuses set by a decision (submitted, accepted, waived, ...) stay."""
    if status in TIME_DRIVEN:
        return status_on(due_on, today, lead_days=lead_days).value
    if status == ObligationStatus.REJECTED and today > due_on:
        return ObligationStatus.OVERDUE.value
    return status


def next_status_change(
    status: str, *, due_on: date, window_opens_on: date, timezone: str
) -> datetime | None:
    """The instant time next moves this status: local midnight when the reminder window
    opens (upcoming -> due) or after the due date (due or rejected -> overdue)."""
    if status == ObligationStatus.UPCOMING:
        return local_instant(window_opens_on, 0, timezone)
    if status in (ObligationStatus.DUE, ObligationStatus.REJECTED):
        return local_instant(due_on + timedelta(days=1), 0, timezone)
    return None
