"""A person's decisions on one obligation, each audited with its reason: waive it (or
record that it does not apply), undo a waiver, and answer the escalation ladder's
"decision needed" levels (sanction applied, termination started, or continue monitoring).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import write_session
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.findings.register import close_findings, reopen_findings
from tracker.library.builtin import TEMPLATE_ID as CAP_TEMPLATE
from tracker.models import EscalationOutcome, ObligationDecision
from tracker.obligations.planning import cached_policy
from tracker.obligations.state import (
    Held,
    hold,
    mark_unwaived,
    mark_waived,
    refuse_if_closed,
    snapshot,
)

MAX_REASON = 2000
WAIVED = (ObligationStatus.WAIVED, ObligationStatus.NOT_APPLICABLE)


def checked_reason(reason: str) -> str:
    """A decision's reason: mandatory, kept in the audit trail and the reports."""
    reason = reason.strip()
    if not reason:
        raise BadInput("say why (it is kept in the audit trail and the reports)", field="reason")
    if len(reason) > MAX_REASON:
        raise BadInput(f"at most {MAX_REASON} characters", field="reason")
    return reason


@dataclass(frozen=True)
class Waived:
    id: int
    title: str
    contract: str
    due_on: date
    status: str
    reason: str
    by: str
    findings_closed: list[int]


def waive(
    ctx: Context,
    obligation_id: int,
    *,
    reason: str,
    not_applicable: bool = False,
    by: str | None = None,
) -> Waived:
    reason = checked_reason(reason)
    status = ObligationStatus.NOT_APPLICABLE if not_applicable else ObligationStatus.WAIVED
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "waived")
        mark_waived(session, held, status=status, reason=reason, now=ctx.now, actor=actor)
        closed: list[int] = []
        if held.template.id == CAP_TEMPLATE:
            # Waiving a corrective action plan closes its finding, with the same reason.
            closed = close_findings(
                session, held.id, now=ctx.now, actor=actor, why={"reason": reason}
            )
        return Waived(
            id=held.id,
            title=held.obligation.title,
            contract=held.contract.reference,
            due_on=held.obligation.due_on,
            status=status.value,
            reason=reason,
            by=actor,
            findings_closed=closed,
        )


@dataclass(frozen=True)
class Unwaived:
    id: int
    title: str
    contract: str
    due_on: date
    status: str
    reason: str
    by: str
    findings_reopened: list[int]


def unwaive(ctx: Context, obligation_id: int, *, reason: str, by: str | None = None) -> Unwaived:
    """Undo a waiver (or "not applicable"): the obligation is open again with the status
    its dates give it, and reminders resume from the next step to come. Findings that the
    waiver of a corrective action plan closed are open again too."""
    reason = checked_reason(reason)
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        if held.obligation.status not in WAIVED:
            raise BadInput(
                f"obligation {held.id} is {held.obligation.status}, not waived",
                field="obligation_id",
            )
        mark_unwaived(session, held, reason=reason, now=ctx.now, actor=actor)
        reopened: list[int] = []
        if held.template.id == CAP_TEMPLATE:
            reopened = reopen_findings(
                session, held.id, now=ctx.now, actor=actor, why={"reason": reason}
            )
        return Unwaived(
            id=held.id,
            title=held.obligation.title,
            contract=held.contract.reference,
            due_on=held.obligation.due_on,
            status=held.obligation.status,
            reason=reason,
            by=actor,
            findings_reopened=reopened,
        )


@dataclass(frozen=True)
class Decided:
    id: int
    obligation_id: int
    contract: str
    level: int
    outcome: str
    reason: str
    decided_by: str
    decided_at: datetime
    next_reminder_at: datetime | None


def decision_levels(held: Held) -> list[int]:
    """The levels of the obligation's ladder where a person must decide (manual rungs)."""
    policy = cached_policy(held.clause, held.template, held.attachment.parameters)
    return sorted(rung.level for rung in policy.inputs.ladder if rung.manual)


def _outcome(value: str) -> EscalationOutcome:
    try:
        return EscalationOutcome(value)
    except ValueError:
        allowed = ", ".join(o.value for o in EscalationOutcome)
        raise BadInput(f"{value!r} is not one of {allowed}", field="outcome") from None


def decide(
    ctx: Context, obligation_id: int, *, outcome: str, reason: str, by: str | None = None
) -> Decided:
    """Record the decision the ladder asks for once it reaches a manual level.

    * sanction: a sanction was applied; the ladder goes on to its next step (termination).
    * termination: termination has started; the ladder stops (no more reminders), the
      obligation stays open and overdue in the reports.
    * continue: monitoring continues; the decision step is answered and reminders resume
      from the next step to come (a later decision step still asks again).
    """
    chosen = _outcome(outcome)
    reason = checked_reason(reason)
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "escalated")
        levels = decision_levels(held)
        level = held.obligation.escalation_level
        if not levels:
            raise BadInput(
                f"obligation {held.id}'s escalation ladder asks for no decision",
                field="obligation_id",
            )
        if level < levels[0]:
            raise BadInput(
                f"obligation {held.id} is at escalation level {level}; its ladder asks for a "
                f"decision from level {levels[0]}",
                field="obligation_id",
            )
        row = _record(session, held, chosen, reason=reason, level=level, now=ctx.now, actor=actor)
        return Decided(
            id=row.id or 0,
            obligation_id=held.id,
            contract=held.contract.reference,
            level=level,
            outcome=chosen.value,
            reason=reason,
            decided_by=actor,
            decided_at=ctx.now,
            next_reminder_at=held.obligation.next_reminder_at,
        )


def _record(
    session: Session,
    held: Held,
    outcome: EscalationOutcome,
    *,
    reason: str,
    level: int,
    now: datetime,
    actor: str,
) -> ObligationDecision:
    o = held.obligation
    before = snapshot(o) | {"next_reminder_at": _iso(o.next_reminder_at)}
    if outcome is EscalationOutcome.TERMINATION:
        o.next_reminder_at = None
    elif outcome is EscalationOutcome.CONTINUE:
        # The sweep sends nothing for a cursor of `now` itself and moves it to the next step.
        o.next_reminder_at = now
    o.updated_at = now
    session.add(o)
    row = ObligationDecision(
        obligation_id=held.id,
        contract_id=o.contract_id,
        level=level,
        outcome=outcome.value,
        reason=reason,
        decided_by=actor,
        decided_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=actor,
        entity="obligation",
        entity_id=held.id,
        contract_id=o.contract_id,
        action=f"decision:{outcome.value}",
        before=before,
        after=snapshot(o)
        | {
            "next_reminder_at": _iso(o.next_reminder_at),
            "outcome": outcome.value,
            "level": level,
            "reason": reason,
            "decision_id": row.id,
        },
    )
    return row


def decisions_of(session: Session, obligation_id: int) -> list[ObligationDecision]:
    return list(
        session.scalars(
            select(ObligationDecision)
            .where(col(ObligationDecision.obligation_id) == obligation_id)
            .order_by(col(ObligationDecision.id))
        )
    )


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
