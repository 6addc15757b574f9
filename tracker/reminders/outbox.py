"""See and fix delivery: outbox messages, retries, and who was reminded of an obligation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput, NotFound
from tracker.evidence.views import public_view
from tracker.models import (
    Contract,
    ContractClause,
    Evidence,
    Obligation,
    OutboxMessage,
    OutboxStatus,
    Reminder,
)


def list_messages(
    ctx: Context, *, status: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    if status is not None and status not in {s.value for s in OutboxStatus}:
        allowed = ", ".join(s.value for s in OutboxStatus)
        raise BadInput(f"--status: {status!r} is not one of {allowed}")
    stmt = (
        select(OutboxMessage, Contract.reference)  # type: ignore[call-overload]
        .outerjoin(Contract, col(Contract.id) == col(OutboxMessage.contract_id))
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(col(OutboxMessage.status) == status)
    with read_session(ctx.engine) as session:
        return [
            {
                "id": m.id,
                "status": m.status,
                "kind": m.kind,
                "to": ",".join(m.recipients),
                "contract": ref,
                "subject": m.subject,
                "attempts": m.attempts,
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                "last_error": m.last_error,
            }
            for m, ref in session.execute(stmt)
        ]


def retry(ctx: Context, outbox_id: int) -> dict[str, Any]:
    """Send a failed message again (after its address was fixed, say), same Message-ID."""
    with write_session(ctx.engine) as session:
        message = session.get(OutboxMessage, outbox_id)
        if message is None:
            raise NotFound(f"ID: no outbox message {outbox_id}")
        if message.status == OutboxStatus.SENT.value:
            raise BadInput(f"ID: message {outbox_id} was already sent on {message.sent_at}")
        before = {"status": message.status, "attempts": message.attempts}
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == outbox_id)
            .values(
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=ctx.now,
                lease_owner=None,
                pending_recipients=message.pending_recipients or message.recipients,
            )
            .execution_options(synchronize_session=False)
        )
        after = {"status": OutboxStatus.PENDING.value, "attempts": 0}
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="outbox_message",
            entity_id=outbox_id,
            contract_id=message.contract_id,
            action="retried",
            before=before,
            after=after,
        )
    return {"id": outbox_id, "status": "pending", "message_id": message.message_id}


EVIDENCE_FIELDS = (
    "id",
    "type",
    "status",
    "file",
    "url",
    "valid_until",
    "submitted_on",
    "review_reason",
    "resubmit_by",
)


def obligation_history(ctx: Context, obligation_id: int) -> dict[str, Any]:
    """The obligation, and every reminder about it: who, when, and whether it arrived."""
    with read_session(ctx.engine) as session:
        row = session.execute(
            select(Obligation, Contract.reference, ContractClause.clause_id)  # type: ignore[call-overload]
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
            .where(col(Obligation.id) == obligation_id)
        ).first()
        if row is None:
            raise NotFound(f"ID: no obligation {obligation_id}")
        obligation, reference, clause_id = row
        reminders = [
            {
                "step": r.step,
                "kind": r.kind,
                "level": r.level,
                "to": r.recipient,
                "role": r.recipient_role,
                "at": r.scheduled_at.isoformat(),
                "message": r.outbox_id,
                "delivery": status or "not yet composed",
                "sent_at": sent.isoformat() if sent else None,
                "attempts": attempts or 0,
                "last_error": error,
            }
            for r, status, sent, attempts, error in session.execute(
                select(
                    Reminder,
                    OutboxMessage.status,
                    OutboxMessage.sent_at,  # type: ignore[call-overload]
                    OutboxMessage.attempts,
                    OutboxMessage.last_error,
                )
                .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(Reminder.outbox_id))
                .where(col(Reminder.obligation_id) == obligation_id)
                .order_by(col(Reminder.scheduled_at), col(Reminder.id))
            )
        ]
        submitted = [
            {k: v for k, v in public_view(e).items() if k in EVIDENCE_FIELDS}
            for e in session.scalars(
                select(Evidence)
                .where(col(Evidence.obligation_id) == obligation_id)
                .order_by(col(Evidence.id))
            )
        ]
        return {
            "id": obligation.id,
            "contract": reference,
            "clause_id": clause_id,
            "obligation": obligation.title,
            "due_on": obligation.due_on.isoformat(),
            "planned_due_on": (obligation.rescheduled_from or obligation.due_on).isoformat(),
            "status": obligation.status,
            "met_on": obligation.met_on.isoformat() if obligation.met_on else None,
            "decision_reason": obligation.decision_reason,
            "escalation_level": obligation.escalation_level,
            "next_reminder_at": obligation.next_reminder_at.isoformat()
            if obligation.next_reminder_at
            else None,
            "evidence": submitted,
            "reminders": reminders,
        }
