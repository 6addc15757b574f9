"""Compose reminder rows into outbox messages: rendered once, sent by the relay.

Suppliers get one email per contact, contract and day listing everything due; contract
managers get one daily digest across their contracts. Reminder rows are the durable
record (written with the obligation's state change); composing is restartable: rows not
yet in a message are picked up by the next pass.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from tracker.bulk import update_by_id
from tracker.domain.policy import SEVERITY, Kind, Role
from tracker.library.schema import ClauseFile
from tracker.mail.message import domain_of, new_message_id, render_bytes
from tracker.models import (
    Contract,
    ContractClause,
    Obligation,
    OutboxMessage,
    Reminder,
    Supplier,
    table_of,
)
from tracker.rendering import render

BATCH_ROWS = 2000
STAGES = {
    2: "Formal notice of non-compliance",
    3: "Escalated to senior management",
    4: "Sanctions to be decided",
    5: "Termination to be decided",
}


@dataclass(frozen=True)
class MailSettings:
    sender: str
    base_url: str
    manager_digest: bool = True


def due_words(due_on: date, today: date) -> str:
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"due in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def _group_key(row: Any, digest: bool) -> tuple[str, str, int | None, date]:
    if digest and row.recipient_role == Role.CONTRACT_MANAGER.value:
        return ("digest", row.recipient, None, row.local_date)
    return ("contract", row.recipient, row.contract_id, row.local_date)


def reminder_items() -> Any:
    """Reminder rows with what an email says about them: obligation, contract, supplier."""
    return (
        select(
            col(Reminder.id),
            col(Reminder.recipient),
            col(Reminder.recipient_role),
            col(Reminder.contract_id),
            col(Reminder.local_date),
            col(Reminder.kind),
            col(Reminder.level),
            col(Reminder.due_on),
            col(Reminder.note),
            col(Obligation.id).label("obligation_id"),
            col(Obligation.title),
            col(Obligation.template_id),
            col(ContractClause.clause_version_id),
            col(Contract.reference),
            col(Contract.title).label("contract_title"),
            col(Contract.buyer),
            col(Contract.manager_email),
            col(Supplier.name).label("supplier"),
        )
        .join(Obligation, col(Obligation.id) == col(Reminder.obligation_id))
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .join(Contract, col(Contract.id) == col(Reminder.contract_id))
        .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
    )


def compose_batch(
    session: Session,
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Turn unassigned reminder rows into messages; returns how many messages were made."""
    stmt: Any = (
        reminder_items()
        .where(col(Reminder.outbox_id).is_(None))
        .order_by(
            col(Reminder.recipient),
            col(Reminder.local_date),
            col(Reminder.contract_id),
            col(Reminder.id),
        )
        .limit(batch_rows)
    )
    rows = list(session.execute(stmt))
    if not rows:
        return 0
    groups: dict[tuple[str, str, int | None, date], list[Any]] = defaultdict(list)
    for row in rows:
        groups[_group_key(row, mail.manager_digest)].append(row)
    if len(rows) == batch_rows and len(groups) > 1:
        # The last group may continue beyond this batch: leave it whole for the next one.
        groups.pop(_group_key(rows[-1], mail.manager_digest))
    messages = [
        _compose(key, members, now=now, mail=mail, clauses=clauses)
        for key, members in groups.items()
    ]
    table = table_of(OutboxMessage)
    ids = (
        session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), messages)
        .scalars()
        .all()
    )
    update_by_id(
        session,
        table_of(Reminder),
        "outbox_id",
        [(m.id, oid) for oid, members in zip(ids, groups.values(), strict=True) for m in members],
    )
    return len(groups)


def item_view(row: Any, clauses: Callable[[int], ClauseFile], base_url: str) -> dict[str, Any]:
    clause = clauses(row.clause_version_id)
    template = clause.obligation(row.template_id)
    evidence = [clause.evidence_type(e) for e in template.evidence]
    return {
        "obligation_id": row.obligation_id,
        "title": row.title,
        "clause_id": clause.id,
        "clause_title": clause.title,
        "contract_reference": row.reference,
        "contract_title": row.contract_title,
        "supplier": row.supplier,
        "due_on": row.due_on.isoformat(),
        "due_words": due_words(row.due_on, row.local_date),
        "kind": row.kind,
        "level": row.level,
        "stage": STAGES.get(row.level, ""),
        "note": row.note or "",
        "evidence": [
            {"label": e.label, "formats": ", ".join(e.accepted_formats)}
            for e in evidence
            if e is not None
        ],
        "link": f"{base_url.rstrip('/')}/obligations/{row.obligation_id}",
    }


def _compose(
    key: tuple[str, str, int | None, date],
    members: list[Any],
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
) -> dict[str, Any]:
    group, recipient, contract_id, local_date = key
    # One item per obligation: a person holding two roles still reads it once.
    by_obligation = {m.obligation_id: m for m in sorted(members, key=lambda m: m.level)}
    # ... but every note about it (why evidence was rejected, what a finding says) is kept.
    notes: dict[int, list[str]] = defaultdict(list)
    for m in members:
        if m.note and m.note not in notes[m.obligation_id]:
            notes[m.obligation_id].append(m.note)
    items = sorted(
        (
            item_view(m, clauses, mail.base_url) | {"note": " ".join(notes[m.obligation_id])}
            for m in by_obligation.values()
        ),
        key=lambda i: (i["due_on"], i["title"]),
    )
    first = members[0]
    buyer = first.buyer or "the contracting authority"
    if group == "digest":
        kind = "digest"
        overdue = sum(1 for m in by_obligation.values() if m.due_on < m.local_date)
        subject = (
            f"Clause Tracker digest for {local_date}: {len(items)} "
            f"item{'s' if len(items) != 1 else ''}, {overdue} overdue"
        )
        context: dict[str, Any] = {"overdue_count": overdue, "show_supplier": True}
        reply_to = None
    else:
        kind = max((Kind(m.kind) for m in members), key=lambda k: SEVERITY[k]).value
        subject = _subject(kind, first.reference, items)
        context = {"show_supplier": False}
        reply_to = first.manager_email
    context.update(
        items=items,
        buyer=buyer,
        manager=first.manager_email if group != "digest" else None,
        local_date=local_date.isoformat(),
        subject=subject,
    )
    text = render(f"email/{kind}.txt", **context)
    html = render(f"email/{kind}.html", **context)
    group_key = (
        f"{group}:{recipient}:{contract_id or '*'}:{local_date}:{min(m.id for m in members)}"
    )
    message_id = new_message_id(group_key, domain_of(parseaddr(mail.sender)[1]))
    raw = render_bytes(
        message_id=message_id,
        sender=mail.sender,
        to=[recipient],
        subject=subject,
        text=text,
        html=html,
        reply_to=reply_to,
    )
    return {
        "group_key": group_key,
        "message_id": message_id,
        "kind": kind,
        "contract_id": contract_id,
        "sender": parseaddr(mail.sender)[1],
        "recipients": [recipient],
        "pending_recipients": [recipient],
        "subject": subject,
        "raw": raw,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "notify_on_failure": True,
        "created_at": now,
    }


def _subject(kind: str, reference: str, items: list[dict[str, Any]]) -> str:
    label = {
        "upcoming": "Coming due",
        "due_today": "Due today",
        "overdue": "Overdue",
        "escalation": "Formal notice",
        "decision_needed": "Decision needed",
        "action_required": "Action required",
    }[kind]
    if len(items) == 1:
        only = items[0]
        return f"[{reference}] {label}: {only['title']} ({only['due_on']})"
    return f"[{reference}] {label}: {len(items)} obligations"
