"""The outbox page: emails waiting to go and emails that failed, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.context import Context
from tracker.people.roles import Action, Person, may
from tracker.reminders.outbox import list_messages


@dataclass(frozen=True)
class OutboxPage:
    pending: list[Any]
    failed: list[Any]
    sent: list[Any]
    may_retry: bool


def outbox_page(ctx: Context, person: Person) -> OutboxPage:
    return OutboxPage(
        pending=list_messages(ctx, status="pending") + list_messages(ctx, status="sending"),
        failed=list_messages(ctx, status="failed"),
        sent=list_messages(ctx, status="sent", limit=20),
        may_retry=may(person, Action.RETRY_MAIL),
    )
