"""Findings and their corrective action plans.

A finding (minor, major, priority) on a contract, or on one of its obligations, gets a
corrective action plan due in 14 days (7 for a priority finding: the severity names the
built-in template's deadline plan) unless the finding's clause sets its own periods for
the parameters those plans name. The plan is an
obligation of the built-in `corrective-actions` clause, attached to the contract the first
time it has a finding, so the sweep reminds and escalates it like any other duty; the
supplier is told at once. Closing the finding takes evidence and a review.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.closures.days import closed_days
from tracker.context import Context
from tracker.contracts.register import store_clause_version
from tracker.db import read_session, write_session
from tracker.domain.localtime import zone
from tracker.domain.schedule import Occurrence, local_today, resolve_span
from tracker.domain.templates import param_name, plan_offset
from tracker.errors import BadInput
from tracker.library.builtin import CLAUSE_ID, TEMPLATE_ID, corrective_actions
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile, ObligationTemplate
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
from tracker.reminders.notes import finding_note
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
        raise BadInput(f"{value!r} is not one of {allowed}", field="severity") from None


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
    closed: frozenset[date] = frozenset(),
) -> date:
    """Today plus the period of the plan the severity names (`priority`; a severity the
    built-in template offers no plan for gets `normal`). The period is the finding's
    clause's own where that clause declares the parameter the plan names, else the
    built-in one."""
    builtin = corrective_actions()
    trigger = builtin.obligation(TEMPLATE_ID).trigger
    text = plan_offset(trigger, severity.value if severity.value in trigger.plans else None)
    name = param_name(text)
    if source is not None and name is not None and name in source.clause.parameters:
        clause, values = source.clause, source.attachment.parameters
    else:
        clause, values = builtin, fallback.parameters
    span = resolve_span(text, clause=clause, values=values, calendar=trigger.calendar)
    return span.apply(today, country, closed)


@dataclass(frozen=True)
class FindingView:
    id: int
    contract: str
    obligation_id: int | None
    severity: str
    status: str
    text: str
    raised_by: str
    raised_at: datetime
    cap_obligation_id: int | None
    cap_due_on: date | None
    cap_status: str | None
    closed_at: datetime | None
    timezone: str  # the contract's: instants are shown there


@dataclass(frozen=True)
class RaisedFinding(FindingView):
    notified: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FindingRow:
    id: int
    contract: str
    supplier: str
    obligation_id: int | None
    severity: str
    status: str
    text: str
    raised_at: datetime
    cap_obligation_id: int | None
    cap_due_on: date | None
    cap_status: str | None
    timezone: str


def requires_cap(clause: ClauseFile, template: ObligationTemplate) -> bool:
    """Whether the obligation's escalation ladder has a step marked `requires_cap`: then a
    finding about it always gets a corrective action plan."""
    escalation = template.escalation
    if isinstance(escalation, list):
        steps = escalation
    else:
        profile = next((p for p in clause.escalation_profiles if p.id == escalation), None)
        steps = profile.steps if profile else []
    return any(step.requires_cap for step in steps)


def _contract(session: Session, reference: str) -> Contract:
    found = session.scalars(select(Contract).where(col(Contract.reference) == reference)).first()
    if found is None:
        raise BadInput(f"no contract {reference!r}", field="contract")
    return found


def add_finding(
    ctx: Context,
    *,
    severity: str,
    text: str,
    obligation_id: int | None = None,
    contract: str | None = None,
    due: date | None = None,
    cap: bool = True,
    by: str | None = None,
) -> RaisedFinding:
    """Record a finding on a contract or one of its obligations. It gets a corrective
    action plan (an obligation with reminders; the supplier is told at once) unless `cap`
    is False, which records an observation only and is refused where the obligation's
    clause requires a plan (`requires_cap` on its escalation ladder)."""
    level = _severity(severity)
    text = _text(text)
    if (obligation_id is None) == (contract is None):
        raise BadInput("give the obligation or the contract (one of them)", field="obligation")
    if due is not None and not cap:
        raise BadInput(
            "a deadline is for a corrective action plan; this finding has none", field="due"
        )
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        source = hold(session, obligation_id, field="obligation") if obligation_id else None
        owner = source.contract if source else _contract(session, contract or "")
        assert owner.id is not None
        if not cap and source is not None and requires_cap(source.clause, source.template):
            raise BadInput(
                f"clause {source.clause.id!r} requires a corrective action plan for findings "
                f"on obligation {source.id}",
                field="cap",
            )
        today = local_today(ctx.now, owner.timezone)
        if due is not None and due < today:
            raise BadInput(f"{due} is in the past (today is {today})", field="due")
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
        planned: Held | None = None
        deadline: date | None = None
        if cap:
            attachment = _attachment(session, owner, now=ctx.now, actor=actor)
            deadline = due or cap_deadline(
                level, today, source, attachment, owner.country, closed_days(session)
            )
            assert attachment.id is not None
            planned = _plan_cap(session, ctx, finding, attachment.id, deadline)
            finding.cap_obligation_id = planned.id
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
                "cap_obligation_id": planned.id if planned else None,
                "cap_due_on": deadline.isoformat() if deadline else None,
            },
        )
        told: list[str] = []
        if planned is not None:
            assert deadline is not None  # a plan is only made with its deadline
            told = notify_supplier(
                session,
                planned,
                step=f"finding:{finding.id}",
                note=finding_note(
                    finding_id=finding.id, severity=level.value, text=text, cap_due=deadline
                ),
                now=ctx.now,
            )
        view = _view(finding, owner, planned.obligation if planned else None)
        return RaisedFinding(**asdict(view), notified=told)


def _text(text: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise BadInput(f"say what was found (1 to {MAX_TEXT} characters)", field="text")
    return text


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
    return _move(session, cap_obligation_id, FindingStatus.CLOSED, now=now, actor=actor, why=why)


def reopen_findings(
    session: Session,
    cap_obligation_id: int,
    *,
    now: datetime,
    actor: str,
    why: dict[str, Any],
) -> list[int]:
    """Open again the findings closed with this plan (its waiver was undone)."""
    return _move(session, cap_obligation_id, FindingStatus.OPEN, now=now, actor=actor, why=why)


def _move(
    session: Session,
    cap_obligation_id: int,
    to: FindingStatus,
    *,
    now: datetime,
    actor: str,
    why: dict[str, Any],
) -> list[int]:
    """Move the plan's findings from the other status to `to`, each with its audit event."""
    source = FindingStatus.OPEN if to is FindingStatus.CLOSED else FindingStatus.CLOSED
    findings = session.scalars(
        select(Finding).where(
            col(Finding.cap_obligation_id) == cap_obligation_id,
            col(Finding.status) == source.value,
        )
    ).all()
    for finding in findings:
        finding.status = to.value
        finding.closed_at = now if to is FindingStatus.CLOSED else None
        session.add(finding)
        audit.record(
            session,
            now=now,
            actor=actor,
            entity="finding",
            entity_id=finding.id,
            contract_id=finding.contract_id,
            action="closed" if to is FindingStatus.CLOSED else "reopened",
            before={"status": source.value},
            after={"status": to.value} | why,
        )
    return [f.id for f in findings if f.id is not None]


def _view(finding: Finding, contract: Contract, cap: Obligation | None) -> FindingView:
    assert finding.id is not None
    return FindingView(
        id=finding.id,
        contract=contract.reference,
        obligation_id=finding.obligation_id,
        severity=finding.severity,
        status=finding.status,
        text=finding.text,
        raised_by=finding.raised_by,
        raised_at=finding.raised_at,
        cap_obligation_id=finding.cap_obligation_id,
        cap_due_on=cap.due_on if cap else None,
        cap_status=cap.status if cap else None,
        closed_at=finding.closed_at,
        timezone=contract.timezone,
    )


def list_findings(
    ctx: Context,
    *,
    contract: str | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
    severity: str | None = None,
    limit: int = 1000,
) -> list[FindingRow]:
    if status is not None and status not in {s.value for s in FindingStatus}:
        allowed = ", ".join(s.value for s in FindingStatus)
        raise BadInput(f"{status!r} is not one of {allowed}", field="status")
    stmt: Any = (
        select(Finding, Contract, col(Supplier.name), Obligation)
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
    found = []
    for f, owner, name, cap in rows:
        v = _view(f, owner, cap)
        found.append(
            FindingRow(
                id=v.id,
                contract=v.contract,
                supplier=name,
                obligation_id=v.obligation_id,
                severity=v.severity,
                status=v.status,
                text=v.text,
                raised_at=v.raised_at,
                cap_obligation_id=v.cap_obligation_id,
                cap_due_on=v.cap_due_on,
                cap_status=v.cap_status,
                timezone=v.timezone,
            )
        )
    return found


def _load(session: Session, finding_id: int) -> tuple[Finding, Contract, Obligation | None]:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise BadInput(f"no finding {finding_id}", field="finding_id")
    contract = session.get(Contract, finding.contract_id)
    assert contract is not None
    cap = session.get(Obligation, finding.cap_obligation_id) if finding.cap_obligation_id else None
    return finding, contract, cap


def show_finding(ctx: Context, finding_id: int) -> FindingView:
    with read_session(ctx.engine) as session:
        return _view(*_load(session, finding_id))


def edit_finding(
    ctx: Context,
    finding_id: int,
    *,
    text: str | None = None,
    severity: str | None = None,
    by: str | None = None,
) -> FindingView:
    """Correct what a finding says or how severe it is, audited with before and after.
    The plan's deadline stays (more time is an extension of the plan obligation)."""
    if text is None and severity is None:
        raise BadInput("give the new text or severity", field="text")
    new_text = _text(text) if text is not None else None
    level = _severity(severity) if severity is not None else None
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        finding, contract, cap = _load(session, finding_id)
        if finding.status != FindingStatus.OPEN:
            raise BadInput(f"finding {finding_id} is {finding.status}", field="finding_id")
        before = {"text": finding.text, "severity": finding.severity}
        if new_text is not None:
            finding.text = new_text
        if level is not None:
            finding.severity = level.value
            if cap is not None:
                cap.title = f"Corrective action plan for finding {finding_id} ({level.value})"
                cap.updated_at = ctx.now
                session.add(cap)
        after = {"text": finding.text, "severity": finding.severity}
        if after == before:
            raise BadInput("nothing to change: the finding already says that", field="text")
        session.add(finding)
        audit.record(
            session,
            now=ctx.now,
            actor=actor,
            entity="finding",
            entity_id=finding_id,
            contract_id=finding.contract_id,
            action="edited",
            before=before,
            after=after,
        )
        session.flush()
        return _view(finding, contract, cap)
