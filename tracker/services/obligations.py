"""List obligations; roll the horizon forward and move statuses on as time passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from tracker.db import read_session, write_session
from tracker.domain.schedule import local_today
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.models import Contract, ContractClause, Obligation, Supplier
from tracker.services import audit
from tracker.services.context import Context
from tracker.services.planning import ClauseCache, roll_forward_batch

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


def refresh_statuses(ctx: Context) -> tuple[int, int]:
    """Move open obligations on: upcoming → due when the window opens, → overdue after.

    One set-based UPDATE per contract timezone in use (a handful), each served by the
    (status, due_on) index; decisions (submitted, accepted, waived, ...) are never touched.
    """
    due = overdue = 0
    with write_session(ctx.engine) as session:
        zones = list(session.scalars(select(col(Contract.timezone)).distinct()))
        for zone in zones:
            today = local_today(ctx.now, zone)
            in_zone = select(col(Contract.id)).where(col(Contract.timezone) == zone)
            overdue += session.execute(
                update(Obligation)
                .where(
                    col(Obligation.status).in_(
                        [ObligationStatus.UPCOMING.value, ObligationStatus.DUE.value]
                    ),
                    col(Obligation.due_on) < today,
                    col(Obligation.contract_id).in_(in_zone),
                )
                .values(status=ObligationStatus.OVERDUE.value, updated_at=ctx.now)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            due += session.execute(
                update(Obligation)
                .where(
                    col(Obligation.status) == ObligationStatus.UPCOMING.value,
                    col(Obligation.window_opens_on) <= today,
                    col(Obligation.contract_id).in_(in_zone),
                )
                .values(status=ObligationStatus.DUE.value, updated_at=ctx.now)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
    return due, overdue


def plan(ctx: Context) -> PlanResult:
    """Roll every contract's horizon forward, batch by batch, then refresh statuses."""
    clauses_done = inserted = 0
    while True:
        with write_session(ctx.engine) as session:
            done, new = roll_forward_batch(
                session,
                now=ctx.now,
                horizon_days=ctx.settings.horizon_days,
                reminder_hour=ctx.settings.reminder_hour,
                clauses=ClauseCache(session),
            )
            if done:
                audit.record(
                    session,
                    now=ctx.now,
                    actor=ctx.actor,
                    entity="schedule",
                    entity_id="horizon",
                    action="rolled_forward",
                    after={"contract_clauses": done, "obligations_planned": new},
                )
        if not done:
            break
        clauses_done += done
        inserted += new
    due, overdue = refresh_statuses(ctx)
    return PlanResult(clauses_done, inserted, due, overdue)
