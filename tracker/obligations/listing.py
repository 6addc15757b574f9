"""List and show obligations; roll the horizon forward and move statuses on as time passes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.context import Context
from tracker.db import read_session, stream
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.models import Contract, ContractClause, Obligation, Supplier
from tracker.obligations.decisions import decisions_of
from tracker.obligations.steps import PlannedStep, planned_steps
from tracker.reminders.outbox import ReminderSent, obligation_history
from tracker.reminders.passes import sweep

DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class ObligationRow:
    id: int
    due_on: date
    status: str
    contract: str
    supplier: str
    clause_id: str
    obligation: str
    escalation: int
    next_reminder_at: datetime | None
    timezone: str  # the contract's: deadlines and reminder times are read there


def list_obligations(
    ctx: Context,
    *,
    contract: str | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
    due_before: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[ObligationRow]:
    return list(
        stream_obligations(
            ctx,
            contract=contract,
            supplier_id=supplier_id,
            status=status,
            due_before=due_before,
            limit=limit,
        )
    )


def stream_obligations(
    ctx: Context,
    *,
    contract: str | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
    due_before: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Iterator[ObligationRow]:
    """Obligations, soonest first, as they are read (`limit=0`: all of them): the filters
    are checked before the first row, so a bad one fails before anything is printed."""
    if status is not None:
        try:
            ObligationStatus(status)
        except ValueError:
            allowed = ", ".join(s.value for s in ObligationStatus)
            raise BadInput(f"{status!r} is not one of {allowed}", field="status") from None
    if limit < 0:
        raise BadInput(f"{limit} is negative (0 means no limit)", field="limit")
    stmt = (
        select(
            col(Obligation.id),
            col(Obligation.due_on),
            col(Obligation.status),
            col(Contract.reference),
            col(Supplier.name),
            col(ContractClause.clause_id),
            col(Obligation.title),
            col(Obligation.escalation_level),
            col(Obligation.next_reminder_at),
            col(Contract.timezone),
        )
        .join(Contract, col(Contract.id) == col(Obligation.contract_id))
        .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .order_by(col(Obligation.due_on), col(Obligation.id))
    )
    if limit:
        stmt = stmt.limit(limit)
    if contract is not None:
        stmt = stmt.where(col(Contract.reference) == contract)
    if supplier_id is not None:
        stmt = stmt.where(col(Contract.supplier_id) == supplier_id)
    if status is not None:
        stmt = stmt.where(col(Obligation.status) == status)
    if due_before is not None:
        stmt = stmt.where(col(Obligation.due_on) < due_before)
    if contract is not None:
        with read_session(ctx.engine) as session:
            known = session.scalars(
                select(col(Contract.id)).where(col(Contract.reference) == contract)
            ).first()
        if known is None:
            raise BadInput(f"no contract {contract!r}", field="contract")
    return (ObligationRow(*tuple(row)) for row in stream(ctx.engine, stmt))


@dataclass(frozen=True)
class DecisionView:
    id: int
    level: int
    outcome: str
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class ObligationDetail:
    id: int
    contract: str
    clause_id: str
    obligation: str
    due_on: date
    planned_due_on: date
    status: str
    met_on: date | None
    decision_reason: str | None
    escalation_level: int
    next_reminder_at: datetime | None
    timezone: str
    decisions: list[DecisionView]
    evidence: tuple[dict[str, Any], ...]
    reminders: tuple[ReminderSent, ...]
    steps: tuple[PlannedStep, ...] = ()  # the ladder from the due date, sent or not


def show_obligation(ctx: Context, obligation_id: int) -> ObligationDetail:
    """The obligation, the decisions taken on its escalation, its evidence, and every
    reminder about it: who, when, and whether it arrived."""
    with read_session(ctx.engine) as session:
        found = session.execute(
            select(Obligation, col(Contract.reference), col(Contract.timezone))
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .where(col(Obligation.id) == obligation_id)
        ).first()
        if found is None:
            raise BadInput(f"no obligation {obligation_id}", field="obligation_id")
        o, reference, timezone = found
        clause_id = session.get(ContractClause, o.contract_clause_id)
        contract = session.get(Contract, o.contract_id)
        assert contract is not None
        steps = planned_steps(session, o, contract, clause_id) if clause_id else ()
        decisions = [
            DecisionView(d.id or 0, d.level, d.outcome, d.reason, d.decided_by, d.decided_at)
            for d in decisions_of(session, obligation_id)
        ]
    history = obligation_history(ctx, obligation_id)
    return ObligationDetail(
        id=obligation_id,
        contract=reference,
        clause_id=clause_id.clause_id if clause_id else "",
        obligation=o.title,
        due_on=o.due_on,
        planned_due_on=o.rescheduled_from or o.due_on,
        status=o.status,
        met_on=o.met_on,
        decision_reason=o.decision_reason,
        escalation_level=o.escalation_level,
        next_reminder_at=o.next_reminder_at,
        timezone=timezone,
        decisions=decisions,
        evidence=history.evidence,
        reminders=history.reminders,
        steps=steps,
    )


@dataclass(frozen=True)
class PlanResult:
    contract_clauses: int
    obligations_planned: int
    now_due: int
    now_overdue: int

    def as_dict(self) -> dict[str, int]:
        return {
            "contract_clauses": self.contract_clauses,
            "obligations_planned": self.obligations_planned,
            "now_due": self.now_due,
            "now_overdue": self.now_overdue,
        }


def plan(ctx: Context) -> PlanResult:
    """Roll every contract's horizon forward and move statuses on (no reminders)."""
    report = sweep(ctx, remind=False)
    return PlanResult(
        contract_clauses=report.contract_clauses_planned,
        obligations_planned=report.obligations_planned,
        now_due=report.now_due,
        now_overdue=report.now_overdue,
    )
