"""See and fix delivery: outbox messages as a person reads them, retries, and who was
reminded of an obligation."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
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
    DeliveryAttempt,
    Evidence,
    Obligation,
    OutboxMessage,
    OutboxStatus,
    Reminder,
)


@dataclass(frozen=True)
class MessageRow:
    id: int
    status: str
    kind: str
    to: str
    refused: str  # "x@example.com (550 5.1.1 No such user)", recipients refused for good
    contract: str | None
    subject: str
    attempts: int
    created_at: str
    sent_at: str | None
    last_error: str | None


def _refused_text(refused: dict[str, str] | None) -> str:
    return ", ".join(f"{r} ({why})" for r, why in (refused or {}).items())


def list_messages(ctx: Context, *, status: str | None = None, limit: int = 200) -> list[MessageRow]:
    if status is not None and status not in {s.value for s in OutboxStatus}:
        allowed = ", ".join(s.value for s in OutboxStatus)
        raise BadInput(f"{status!r} is not one of {allowed}", field="status")
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
            MessageRow(
                id=m.id,
                status=m.status,
                kind=m.kind,
                to=",".join(m.recipients),
                refused=_refused_text(m.refused),
                contract=ref,
                subject=m.subject,
                attempts=m.attempts,
                created_at=m.created_at.isoformat(),
                sent_at=m.sent_at.isoformat() if m.sent_at else None,
                last_error=m.last_error,
            )
            for m, ref in session.execute(stmt)
        ]


@dataclass(frozen=True)
class AttachedFile:
    name: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class AttemptRow:
    attempt: int
    at: str
    outcome: str
    answer: str
    accepted: str
    refused: str


@dataclass(frozen=True)
class MessageView:
    """One email as a person reads it, and what became of it."""

    id: int
    status: str
    kind: str
    contract: str | None
    headers: tuple[tuple[str, str], ...]  # From, To, Reply-To, Subject, Date, Message-ID
    text: str  # the plain text part, decoded
    attachments: tuple[AttachedFile, ...]
    refused: dict[str, str]
    last_error: str | None
    deliveries: tuple[AttemptRow, ...]


SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")


def _read(raw: bytes) -> tuple[tuple[tuple[str, str], ...], str, tuple[AttachedFile, ...]]:
    if not raw:
        return (), "", ()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    headers = tuple((h, str(msg[h])) for h in SHOWN_HEADERS if msg[h] is not None)
    body = msg.get_body(("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    files = tuple(
        AttachedFile(
            name=part.get_filename() or "(no name)",
            content_type=part.get_content_type(),
            size_bytes=len(part.get_payload(decode=True) or b""),
        )
        for part in msg.iter_attachments()
        if isinstance(part, EmailMessage)
    )
    return headers, text, files


def show_message(ctx: Context, outbox_id: int) -> MessageView:
    """The message decoded (headers, text, attachments) with every delivery attempt."""
    with read_session(ctx.engine) as session:
        row = session.execute(
            select(OutboxMessage, Contract.reference)  # type: ignore[call-overload]
            .outerjoin(Contract, col(Contract.id) == col(OutboxMessage.contract_id))
            .where(col(OutboxMessage.id) == outbox_id)
        ).first()
        if row is None:
            raise NotFound(f"no outbox message {outbox_id}", field="outbox_id")
        message, reference = row
        attempts = tuple(
            AttemptRow(
                attempt=a.attempt,
                at=a.started_at.isoformat(),
                outcome=a.outcome,
                answer=f"{a.code or ''} {a.detail}".strip(),
                accepted=", ".join(a.accepted),
                refused=", ".join(
                    f"{r} ({' '.join(str(p) for p in why)})" for r, why in a.refused.items()
                ),
            )
            for a in session.scalars(
                select(DeliveryAttempt)
                .where(col(DeliveryAttempt.outbox_id) == outbox_id)
                .order_by(col(DeliveryAttempt.id))
            )
        )
    headers, text, files = _read(bytes(message.raw))
    return MessageView(
        id=outbox_id,
        status=message.status,
        kind=message.kind,
        contract=reference,
        headers=headers,
        text=text,
        attachments=files,
        refused=dict(message.refused or {}),
        last_error=message.last_error,
        deliveries=attempts,
    )


@dataclass(frozen=True)
class Retried:
    id: int
    status: str
    message_id: str
    to: tuple[str, ...]


def retry(ctx: Context, outbox_id: int) -> Retried:
    """Send a failed message again (after its address was fixed, say), same Message-ID;
    a partially delivered one goes again only to those who refused it."""
    with write_session(ctx.engine) as session:
        message = session.get(OutboxMessage, outbox_id)
        if message is None:
            raise NotFound(f"no outbox message {outbox_id}", field="outbox_id")
        if message.status == OutboxStatus.SENT.value:
            raise BadInput(
                f"message {outbox_id} was already sent on {message.sent_at}", field="outbox_id"
            )
        if message.status == OutboxStatus.CANCELLED.value:
            raise BadInput(
                f"message {outbox_id} was not sent because nothing it would have reminded "
                "of is still due",
                field="outbox_id",
            )
        if not message.raw:
            raise BadInput(
                f"message {outbox_id} was never written ({message.last_error}); "
                "there is nothing to send again",
                field="outbox_id",
            )
        if message.status == OutboxStatus.PARTIAL.value and message.refused:
            to = list(message.refused)
        else:
            to = list(message.pending_recipients or message.recipients)
        before = {
            "status": message.status,
            "attempts": message.attempts,
            "to": message.pending_recipients,
        }
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == outbox_id)
            .values(
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=ctx.now,
                lease_owner=None,
                pending_recipients=to,
                refused=None,
                retry_until=None,
                failure_noticed_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        after = {"status": OutboxStatus.PENDING.value, "attempts": 0, "to": to}
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
    return Retried(id=outbox_id, status="pending", message_id=message.message_id, to=tuple(to))


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


@dataclass(frozen=True)
class ReminderSent:
    """One person told about one step, and whether the email arrived."""

    step: str
    kind: str
    level: int
    to: str
    role: str
    at: str
    message: int | None
    delivery: str
    sent_at: str | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class ObligationHistory:
    id: int
    contract: str
    clause_id: str
    obligation: str
    due_on: str
    planned_due_on: str
    status: str
    met_on: str | None
    decision_reason: str | None
    escalation_level: int
    next_reminder_at: str | None
    evidence: tuple[dict[str, Any], ...]
    reminders: tuple[ReminderSent, ...]


def obligation_history(ctx: Context, obligation_id: int) -> ObligationHistory:
    """The obligation, and every reminder about it: who, when, and whether it arrived."""
    with read_session(ctx.engine) as session:
        row = session.execute(
            select(Obligation, Contract.reference, ContractClause.clause_id)  # type: ignore[call-overload]
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
            .where(col(Obligation.id) == obligation_id)
        ).first()
        if row is None:
            raise NotFound(f"no obligation {obligation_id}", field="obligation_id")
        obligation, reference, clause_id = row
        reminders = tuple(
            ReminderSent(
                step=r.step,
                kind=r.kind,
                level=r.level,
                to=r.recipient,
                role=r.recipient_role,
                at=r.scheduled_at.isoformat(),
                message=r.outbox_id,
                delivery=status or "not yet composed",
                sent_at=sent.isoformat() if sent else None,
                attempts=attempts or 0,
                last_error=error,
            )
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
        )
        submitted = tuple(
            {k: v for k, v in public_view(e).items() if k in EVIDENCE_FIELDS}
            for e in session.scalars(
                select(Evidence)
                .where(col(Evidence.obligation_id) == obligation_id)
                .order_by(col(Evidence.id))
            )
        )
        return ObligationHistory(
            id=obligation_id,
            contract=reference,
            clause_id=clause_id,
            obligation=obligation.title,
            due_on=obligation.due_on.isoformat(),
            planned_due_on=(obligation.rescheduled_from or obligation.due_on).isoformat(),
            status=obligation.status,
            met_on=obligation.met_on.isoformat() if obligation.met_on else None,
            decision_reason=obligation.decision_reason,
            escalation_level=obligation.escalation_level,
            next_reminder_at=obligation.next_reminder_at.isoformat()
            if obligation.next_reminder_at
            else None,
            evidence=submitted,
            reminders=reminders,
        )
