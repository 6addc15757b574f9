"""List obligations; roll the horizon forward and move statuses on as time passes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.context import Context
from tracker.db import read_session
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.models import Contract, ContractClause, Obligation, Supplier
from tracker.reminders.passes import sweep

DEFAULT_LIMIT = 1000


def list_obligations(
    ctx: Context,
    *,
    contract: str | None = None,
    supplier_id: int | None = None,
    status: str | None = None,
    due_before: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    if status is not None:
        try:
            ObligationStatus(status)
        except ValueError:
            allowed = ", ".join(s.value for s in ObligationStatus)
            raise BadInput(f"--status: {status!r} is not one of {allowed}") from None
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
        )
        .join(Contract, col(Contract.id) == col(Obligation.contract_id))
        .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .order_by(col(Obligation.due_on), col(Obligation.id))
        .limit(limit)
    )
    if contract is not None:
        stmt = stmt.where(col(Contract.reference) == contract)
    if supplier_id is not None:
        stmt = stmt.where(col(Contract.supplier_id) == supplier_id)
    if status is not None:
        stmt = stmt.where(col(Obligation.status) == status)
    if due_before is not None:
        stmt = stmt.where(col(Obligation.due_on) < due_before)
    with read_session(ctx.engine) as session:
        if (
            contract is not None
            and session.scalars(
                select(col(Contract.id)).where(col(Contract.reference) == contract)
            ).first()
            is None
        ):
            raise BadInput(f"--contract: no contract {contract!r}")
        return [
            {
                "id": oid,
                "due_on": due.isoformat(),
                "status": st,
                "contract": ref,
                "supplier": sup,
                "clause_id": clause,
                "obligation": title,
                "escalation": level,
                "next_reminder_at": nxt.isoformat() if nxt else None,
            }
            for oid, due, st, ref, sup, clause, title, level, nxt in session.execute(stmt)
        ]


def plan(ctx: Context) -> dict[str, int]:
    """Roll every contract's horizon forward and move statuses on (no reminders)."""
    report = sweep(ctx, remind=False)
    return {
        "contract_clauses": report.contract_clauses_planned,
        "obligations_planned": report.obligations_planned,
        "now_due": report.now_due,
        "now_overdue": report.now_overdue,
    }
