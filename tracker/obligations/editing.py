"""Give an obligation more time: the deadline in force moves, the escalation ladder
follows it, and reports keep counting the obligation in the period of its planned date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.context import Context
from tracker.db import write_session
from tracker.errors import BadInput
from tracker.obligations.decisions import checked_reason
from tracker.obligations.state import extend_deadline, hold, refuse_if_closed


@dataclass(frozen=True)
class Extended:
    id: int
    title: str
    contract: str
    planned_due_on: date
    previous_due_on: date
    due_on: date
    status: str
    next_reminder_at: datetime | None
    reason: str
    by: str


def extend(
    ctx: Context, obligation_id: int, *, to: date, reason: str, by: str | None = None
) -> Extended:
    reason = checked_reason(reason)
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "extended")
        o = held.obligation
        previous = o.due_on
        if to <= previous:
            raise BadInput(
                f"{to} is not after the deadline in force ({previous}); an extension gives "
                "more time",
                field="to",
            )
        if to > held.contract.end_on:
            raise BadInput(f"{to} is after the contract ends ({held.contract.end_on})", field="to")
        extend_deadline(
            session,
            held,
            to=to,
            reason=reason,
            now=ctx.now,
            actor=actor,
            reminder_hour=ctx.settings.reminder_hour,
        )
        return Extended(
            id=held.id,
            title=o.title,
            contract=held.contract.reference,
            planned_due_on=o.rescheduled_from or previous,
            previous_due_on=previous,
            due_on=o.due_on,
            status=o.status,
            next_reminder_at=o.next_reminder_at,
            reason=reason,
            by=actor,
        )
