"""How a person's decision moves one obligation: submitted, accepted, rejected, waived.

Time moves statuses in the sweep; here a person does, inside the caller's transaction, and
every change leaves an audit event with the status before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.closures.days import closed_days
from tracker.domain.localtime import local_instant, reminder_clock
from tracker.domain.schedule import ContractDates, local_today
from tracker.domain.status import (
    CLOSED,
    TIME_DRIVEN,
    ObligationStatus,
    next_status_change,
    status_on,
)
from tracker.errors import BadInput
from tracker.library.schema import ClauseFile, ObligationTemplate
from tracker.models import ClauseVersion, Contract, ContractClause, Obligation
from tracker.obligations.planning import PlanTarget, cached_policy


@dataclass
class Held:
    """An obligation with everything a decision about it needs."""

    obligation: Obligation
    contract: Contract
    attachment: ContractClause
    clause: ClauseFile
    template: ObligationTemplate
    closed: frozenset[date] = frozenset()  # the buyer's closure days

    @property
    def id(self) -> int:
        assert self.obligation.id is not None
        return self.obligation.id

    def today(self, now: datetime) -> date:
        return local_today(now, self.contract.timezone)

    def target(self) -> PlanTarget:
        c = self.contract
        assert c.id is not None
        assert self.attachment.id is not None
        return PlanTarget(
            contract_clause_id=self.attachment.id,
            contract_id=c.id,
            clause_version_id=self.attachment.clause_version_id,
            parameters=self.attachment.parameters,
            plan_from=self.attachment.plan_from,
            dates=self.dates(),
            reminder_minute=c.reminder_minute,
        )

    def dates(self) -> ContractDates:
        c = self.contract
        return ContractDates(
            start_on=c.start_on,
            end_on=c.end_on,
            signed_on=c.signed_on,
            country=c.country,
            timezone=c.timezone,
            closed=self.closed,
            cpv_codes=tuple(c.cpv_codes or ()),
        )


def hold(session: Session, obligation_id: int, *, field: str = "obligation_id") -> Held:
    """Load an obligation for a decision; on PostgreSQL the row is locked until commit."""
    stmt: Any = select(Obligation).where(col(Obligation.id) == obligation_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    obligation = session.scalars(stmt).first()
    if obligation is None:
        raise BadInput(f"no obligation {obligation_id}", field=field)
    contract = session.get(Contract, obligation.contract_id)
    attachment = session.get(ContractClause, obligation.contract_clause_id)
    assert contract is not None
    assert attachment is not None
    version = session.get(ClauseVersion, attachment.clause_version_id)
    assert version is not None
    clause = ClauseFile.model_validate(version.body)
    template = clause.obligation(obligation.template_id)
    return Held(obligation, contract, attachment, clause, template, closed_days(session))


def refuse_if_closed(held: Held, doing: str, *, field: str = "obligation_id") -> None:
    status = held.obligation.status
    if status in CLOSED:
        raise BadInput(f"obligation {held.id} is {status}; it cannot be {doing}", field=field)


def snapshot(o: Obligation) -> dict[str, Any]:
    return {
        "status": o.status,
        "due_on": o.due_on.isoformat(),
        "escalation_level": o.escalation_level,
    }


def _audit(
    session: Session,
    held: Held,
    *,
    now: datetime,
    actor: str,
    action: str,
    before: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    after = snapshot(held.obligation) | (extra or {})
    audit.record(
        session,
        now=now,
        actor=actor,
        entity="obligation",
        entity_id=held.id,
        contract_id=held.contract.id,
        action=action,
        before=before,
        after=after,
    )


def mark_submitted(session: Session, held: Held, *, now: datetime, actor: str) -> None:
    """Evidence is under review: time no longer moves the status, reminders pause."""
    o = held.obligation
    if o.status == ObligationStatus.SUBMITTED:
        return
    before = snapshot(o)
    o.status = ObligationStatus.SUBMITTED.value
    o.next_status_at = None
    o.updated_at = now
    session.add(o)
    _audit(session, held, now=now, actor=actor, action="submitted", before=before)


def mark_accepted(
    session: Session, held: Held, *, met_on: date, now: datetime, actor: str, reason: str = ""
) -> None:
    """Fulfilled: the ladder stops and the obligation counts as met on `met_on`."""
    o = held.obligation
    before = snapshot(o)
    o.status = ObligationStatus.ACCEPTED.value
    o.met_on = met_on
    o.closed_at = now
    o.next_reminder_at = None
    o.next_status_at = None
    o.updated_at = now
    session.add(o)
    extra = {"met_on": met_on.isoformat()} | ({"reason": reason} if reason else {})
    _audit(session, held, now=now, actor=actor, action="accepted", before=before, extra=extra)


def _resume_by_calendar(session: Session, held: Held, *, now: datetime) -> None:
    """Status from the calendar again, and reminders from the next step to come."""
    o = held.obligation
    lead = (o.due_on - o.window_opens_on).days
    o.status = status_on(o.due_on, held.today(now), lead_days=lead).value
    o.next_status_at = next_status_change(
        o.status,
        due_on=o.due_on,
        window_opens_on=o.window_opens_on,
        timezone=held.contract.timezone,
    )
    # The sweep sends nothing for a cursor of `now` itself and moves it to the next step.
    o.next_reminder_at = now
    o.updated_at = now
    session.add(o)


def reopen(session: Session, held: Held, *, now: datetime, actor: str, action: str) -> None:
    """Back under time's control (evidence still missing): status from the calendar, and
    reminders resume from the next step to come; steps passed while paused are not sent."""
    o = held.obligation
    before = snapshot(o)
    _resume_by_calendar(session, held, now=now)
    _audit(session, held, now=now, actor=actor, action=action, before=before)


def move_deadline(held: Held, *, due_on: date, now: datetime, reminder_hour: int) -> None:
    """Put the deadline in force at `due_on`; the planned date stays in `rescheduled_from`
    so reports still count the obligation in its period. The window, the status (for a
    status time moves) and both cursors follow the new date: the reminder ladder restarts
    from its next step after `now` (steps already passed are not sent late)."""
    o = held.obligation
    tz = held.contract.timezone
    hour, minute = reminder_clock(held.contract.reminder_minute, default_hour=reminder_hour)
    policy = cached_policy(held.clause, held.template, held.attachment.parameters)
    if due_on != o.due_on:
        o.rescheduled_from = o.rescheduled_from or o.due_on
        o.due_on = due_on
        o.window_opens_on = due_on - timedelta(days=policy.lead)
        o.escalation_level = 0
    if o.status in TIME_DRIVEN:
        o.status = status_on(o.due_on, held.today(now), lead_days=policy.lead).value
    o.next_status_at = next_status_change(
        o.status, due_on=o.due_on, window_opens_on=o.window_opens_on, timezone=tz
    )
    if o.status == ObligationStatus.SUBMITTED:
        o.next_reminder_at = None  # under review: the ladder waits for the decision
    else:
        later = [
            local_instant(day, hour, tz, minute) for day in policy.step_days(o.due_on, held.dates())
        ]
        o.next_reminder_at = min((at for at in later if at > now), default=None)
    o.updated_at = now


def reschedule_after_rejection(
    session: Session,
    held: Held,
    *,
    resubmit_by: date,
    now: datetime,
    actor: str,
    reminder_hour: int,
    allow_earlier: bool = False,
) -> None:
    """Rejected: the supplier resubmits by `resubmit_by`. That is the deadline in force
    unless it is earlier than the current one, which only an explicit reviewer's choice
    (`allow_earlier`) may do; the ladder and every later email follow the deadline in force."""
    o = held.obligation
    before = snapshot(o)
    new_due = resubmit_by if allow_earlier else max(o.due_on, resubmit_by)
    o.status = ObligationStatus.REJECTED.value
    move_deadline(held, due_on=new_due, now=now, reminder_hour=reminder_hour)
    session.add(o)
    _audit(session, held, now=now, actor=actor, action="rejected", before=before)


def extend_deadline(
    session: Session,
    held: Held,
    *,
    to: date,
    reason: str,
    now: datetime,
    actor: str,
    reminder_hour: int,
) -> None:
    """A person grants more time: the deadline in force moves to `to`, the ladder follows."""
    o = held.obligation
    before = snapshot(o)
    move_deadline(held, due_on=to, now=now, reminder_hour=reminder_hour)
    session.add(o)
    _audit(
        session,
        held,
        now=now,
        actor=actor,
        action="extended",
        before=before,
        extra={"reason": reason, "planned_due_on": (o.rescheduled_from or o.due_on).isoformat()},
    )


def mark_unwaived(session: Session, held: Held, *, reason: str, now: datetime, actor: str) -> None:
    """Undo a waiver: back under time's control by the calendar, reminders resume from the
    next step to come (steps passed while waived are not sent late)."""
    o = held.obligation
    before = snapshot(o) | {"reason": o.decision_reason, "decided_by": o.decided_by}
    o.decision_reason = None
    o.decided_by = None
    o.closed_at = None
    _resume_by_calendar(session, held, now=now)
    _audit(
        session,
        held,
        now=now,
        actor=actor,
        action="unwaived",
        before=before,
        extra={"reason": reason},
    )


def mark_waived(
    session: Session,
    held: Held,
    *,
    status: ObligationStatus,
    reason: str,
    now: datetime,
    actor: str,
) -> None:
    o = held.obligation
    before = snapshot(o)
    o.status = status.value
    o.decision_reason = reason
    o.decided_by = actor
    o.closed_at = now
    o.next_reminder_at = None
    o.next_status_at = None
    o.updated_at = now
    session.add(o)
    _audit(
        session,
        held,
        now=now,
        actor=actor,
        action=status.value,
        before=before,
        extra={"reason": reason},
    )
