"""Findings and their corrective action plans.

A finding (minor, major, priority) on a contract, or on one of its obligations, gets a
corrective action plan due in 14 days (7 for a priority finding) unless the finding's
clause sets its own periods (`cap_period`, `priority_cap_period`). The plan is an
obligation of the built-in `corrective-actions` clause, attached to the contract the first
time it has a finding, so the sweep reminds and escalates it like any other duty; the
supplier is told at once. Closing the finding takes evidence and a review.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.contracts.register import get_by_reference, store_clause_version
from tracker.db import read_session, write_session
from tracker.domain.localtime import zone
from tracker.domain.schedule import Occurrence, local_today, resolve_span
from tracker.errors import BadInput
from tracker.library.builtin import CLAUSE_ID, TEMPLATE_ID, corrective_actions
from tracker.library.parameters import resolve_values
from tracker.models import (
    Contract,
    ContractClause,
    Finding,
    FindingStatus,
    Obligation,
    Supplier,
)
from tracker.obligations.planning import (
    ensure_obligation,
    obligation_row,
    targets_for,
)
from tracker.obligations.state import Held, hold
from tracker.reminders.notices import notify_supplier

MAX_TEXT = 4000


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    PRIORITY = "priority"


def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Severity)
        raise BadInput(f"--severity: {value!r} is not one of {allowed}") from None


def _attachment(session: Session, contract: Contract, *, now: Any, actor: str) -> ContractClause:
    """The contract's built-in corrective-actions clause, attached on first use."""
    assert contract.id is not None
    found = session.scalars(
        select(ContractClause).where(
            col(ContractClause.contract_id) == contract.id,
            col(ContractClause.clause_id) == CLAUSE_ID,
        )
    ).first()
    if found is not None:
        return found
    clause = corrective_actions()
    attached = ContractClause(
        contract_id=contract.id,
        clause_id=clause.id,
        clause_version=clause.version,
        clause_version_id=store_clause_version(session, clause, now=now),
        parameters=resolve_values(clause, {}),
        attached_at=now,
        attached_by=actor,
        next_plan_on=None,  # nothing is planned from the calendar: findings plan it
    )
    session.add(attached)
    session.flush()
    audit.record(
        session,
        now=now,
        actor=actor,
        entity="contract_clause",
        entity_id=attached.id,
        contract_id=contract.id,
        action="attached",
        after={"clause_id": clause.id, "clause_version": clause.version, "automatic": True},
    )
    return attached


def cap_deadline(
    severity: Severity,
    today: date,
    source: Held | None,
    fallback: ContractClause,
    country: str | None,
) -> date:
    """Today plus the plan period: the finding's clause's own, else the built-in one."""
    name = "priority_cap_period" if severity is Severity.PRIORITY else "cap_period"
    builtin = corrective_actions()
    if source is not None and name in source.clause.parameters:
        clause, values = source.clause, source.attachment.parameters
    else:
        clause, values = builtin, fallback.parameters
    span = resolve_span(f"{{{name}}}", clause=clause, values=values, calendar=None)
    return span.apply(today, country)


def add_finding(
    ctx: Context,
    *,
    severity: str,
    text: str,
    obligation_id: int | None = None,
    contract: str | None = None,
    due: date | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    level = _severity(severity)
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise BadInput(f"--text: say what was found (1 to {MAX_TEXT} characters)")
    if (obligation_id is None) == (contract is None):
        raise BadInput("give --obligation ID or --contract REFERENCE (one of them)")
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        source = hold(session, obligation_id, what="--obligation") if obligation_id else None
        owner = (
            source.contract
            if source
            else get_by_reference(session, contract or "", what="--contract")
        )
        assert owner.id is not None
        today = local_today(ctx.now, owner.timezone)
        if due is not None and due < today:
            raise BadInput(f"--due: {due} is in the past (today is {today})")
        attachment = _attachment(session, owner, now=ctx.now, actor=actor)
        deadline = due or cap_deadline(level, today, source, attachment, owner.country)
        finding = Finding(
            contract_id=owner.id,
            obligation_id=obligation_id,
            severity=level.value,
            text=text,
            raised_by=actor,
            raised_at=ctx.now,
        )
        session.add(finding)
        session.flush()
        assert finding.id is not None
        assert attachment.id is not None
        cap = _plan_cap(session, ctx, finding, attachment.id, deadline)
        finding.cap_obligation_id = cap.id
        session.add(finding)
        session.flush()
        audit.record(
            session,
            now=ctx.now,
            actor=actor,
            entity="finding",
            entity_id=finding.id,
            contract_id=owner.id,
            action="raised",
            after={
                "severity": level.value,
                "text": text,
                "obligation_id": obligation_id,
                "cap_obligation_id": cap.id,
                "cap_due_on": deadline.isoformat(),
            },
        )
        told = notify_supplier(
            session,
            cap,
            step=f"finding:{finding.id}",
            note=f"Finding {finding.id} ({level.value}): {text}. Send a corrective action plan "
            f"(root cause, corrective and preventive actions, owners, dates) by {deadline}.",
            now=ctx.now,
        )
        return _view(finding, owner.reference, cap.obligation) | {"notified": told}


def _plan_cap(
    session: Session, ctx: Context, finding: Finding, attachment_id: int, deadline: date
) -> Held:
    clause = corrective_actions()
    template = clause.obligation(TEMPLATE_ID)
    target = targets_for(session, [attachment_id])[0]
    occurrence = Occurrence(TEMPLATE_ID, f"finding:{finding.id}", deadline)
    row = obligation_row(
        occurrence,
        clause=clause,
        template=template,
        target=target,
        now=ctx.now,
        local_now=ctx.now.astimezone(zone(target.dates.timezone)),
        reminder_hour=ctx.settings.reminder_hour,
    )
    row["title"] = f"Corrective action plan for finding {finding.id} ({finding.severity})"
    cap_id = ensure_obligation(session, row)
    held = hold(session, cap_id)
    audit.record(
        session,
        now=ctx.now,
        actor=ctx.actor,
        entity="obligation",
        entity_id=cap_id,
        contract_id=finding.contract_id,
        action="planned",
        after={"title": row["title"], "due_on": deadline.isoformat(), "finding_id": finding.id},
    )
    return held


def close_findings(
    session: Session,
    cap_obligation_id: int,
    *,
    now: datetime,
    actor: str,
    why: dict[str, Any],
) -> list[int]:
    """Close the open findings whose corrective action plan this obligation is (its
    evidence was accepted, or the plan was waived); `why` goes into the audit event."""
    findings = session.scalars(
        select(Finding).where(
            col(Finding.cap_obligation_id) == cap_obligation_id,
            col(Finding.status) == FindingStatus.OPEN.value,
        )
    ).all()
    for finding in findings:
        finding.status = FindingStatus.CLOSED.value
        finding.closed_at = now
        session.add(finding)
        audit.record(
            session,
            now=now,
            actor=actor,
            entity="finding",
            entity_id=finding.id,
            contract_id=finding.contract_id,
            action="closed",
            before={"status": FindingStatus.OPEN.value},
            after={"status": FindingStatus.CLOSED.value} | why,
        )
    return [f.id for f in findings if f.id is not None]


def _view(finding: Finding, reference: str, cap: Obligation | None) -> dict[str, Any]:
    return {
        "id": finding.id,
        "contract": reference,
        "obligation_id": finding.obligation_id,
        "severity": finding.severity,
        "status": finding.status,
        "text": finding.text,
        "raised_by": finding.raised_by,
        "raised_at": finding.raised_at.isoformat(),
        "cap_obligation_id": finding.cap_obligation_id,
        "cap_due_on": cap.due_on.isoformat() if cap else None,
        "cap_status": cap.status if cap else None,
        "closed_at": finding.closed_at.isoformat() if finding.closed_at else None,
    }


def list_findings(
    ctx: Context,
    *,
    contract: str | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
    severity: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    if status is not None and status not in {s.value for s in FindingStatus}:
        allowed = ", ".join(s.value for s in FindingStatus)
        raise BadInput(f"--status: {status!r} is not one of {allowed}")
    stmt: Any = (
        select(Finding, col(Contract.reference), col(Supplier.name), Obligation)
        .join(Contract, col(Contract.id) == col(Finding.contract_id))
        .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
        .outerjoin(Obligation, col(Obligation.id) == col(Finding.cap_obligation_id))
        .order_by(col(Finding.id))
        .limit(limit)
    )
    if contract is not None:
        stmt = stmt.where(col(Contract.reference) == contract)
    if supplier_id is not None:
        stmt = stmt.where(col(Contract.supplier_id) == supplier_id)
    if status is not None:
        stmt = stmt.where(col(Finding.status) == status)
    if severity is not None:
        stmt = stmt.where(col(Finding.severity) == _severity(severity).value)
    with read_session(ctx.engine) as session:
        rows = session.execute(stmt).all()
    return [
        {k: v for k, v in _view(f, ref, cap).items() if k not in ("raised_by", "closed_at")}
        | {"supplier": name}
        for f, ref, name, cap in rows
    ]


def show_finding(ctx: Context, finding_id: int) -> dict[str, Any]:
    with read_session(ctx.engine) as session:
        finding = session.get(Finding, finding_id)
        if finding is None:
            raise BadInput(f"FINDING_ID: no finding {finding_id}")
        contract = session.get(Contract, finding.contract_id)
        cap = (
            session.get(Obligation, finding.cap_obligation_id)
            if finding.cap_obligation_id
            else None
        )
        assert contract is not None
        return _view(finding, contract.reference, cap)
