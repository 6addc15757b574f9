"""Detach a clause from a contract, end a contract: planning and reminders stop, history stays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlmodel import col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.contracts.dates import in_range
from tracker.contracts.register import get_by_reference
from tracker.contracts.replanning import supersede_rows
from tracker.contracts.results import (
    ClauseDetachment,
    ContractEnding,
    ContractPublic,
    ObligationRef,
    audit_view,
)
from tracker.db import write_session
from tracker.domain.schedule import local_today
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.models import ContractClause, ContractStatus, Obligation

# Nobody has decided these yet; submitted evidence still waits for its review.
UNDECIDED = (
    ObligationStatus.UPCOMING.value,
    ObligationStatus.DUE.value,
    ObligationStatus.OVERDUE.value,
    ObligationStatus.REJECTED.value,
)
ENDINGS = (ContractStatus.TERMINATED.value, ContractStatus.CANCELLED.value)


def _reason(reason: str) -> str:
    return validate.text(reason, field="reason", max_length=2000)


def detach_clause(ctx: Context, reference: str, clause_id: str, *, reason: str) -> ClauseDetachment:
    """Stop a clause applying to a contract: its future undecided obligations are
    superseded, nothing new is planned for it; past obligations and evidence stay."""
    why = _reason(reason)
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference, lock=True)
        assert contract.id is not None
        attached = session.scalars(
            select(ContractClause).where(
                col(ContractClause.contract_id) == contract.id,
                col(ContractClause.clause_id) == clause_id,
            )
        ).first()
        if attached is None:
            raise BadInput(f"{clause_id} is not attached to {reference}", field="clause_id")
        if attached.detached_at is not None:
            raise BadInput(
                f"{clause_id} was already detached from {reference} on "
                f"{attached.detached_at.date()}",
                field="clause_id",
            )
        assert attached.id is not None
        today = local_today(ctx.now, contract.timezone)
        superseded = [
            ObligationRef(id=oid, due_on=due, obligation=title)
            for oid, due, title in session.execute(
                select(col(Obligation.id), col(Obligation.due_on), col(Obligation.title))
                .where(
                    col(Obligation.contract_clause_id) == attached.id,
                    col(Obligation.status).in_(UNDECIDED),
                    col(Obligation.due_on) >= today,
                )
                .order_by(col(Obligation.due_on), col(Obligation.id))
            )
        ]
        supersede_rows(session, [s.id for s in superseded], now=ctx.now)
        attached.detached_at = ctx.now
        attached.detach_reason = why
        attached.next_plan_on = None
        session.add(attached)
        session.flush()
        view = ClauseDetachment(
            contract=reference,
            clause_id=clause_id,
            detached_at=ctx.now,
            reason=why,
            superseded=superseded,
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_clause",
            entity_id=attached.id,
            contract_id=contract.id,
            action="detached",
            before={"clause_id": clause_id, "detached_at": None},
            after=audit_view(view),
        )
    return view


def end_contract(
    ctx: Context, reference: str, *, status: str, ended_on: date, reason: str
) -> ContractEnding:
    """Terminate or cancel a contract on a date: obligations due after it are superseded
    (unless submitted or decided), nothing more is planned and no more reminders go out.
    The contract and its history stay in lists and reports with the new status."""
    if status not in ENDINGS:
        raise BadInput(f"{status!r} is not one of {', '.join(ENDINGS)}", field="status")
    why = _reason(reason)
    in_range(ended_on, field="ended_on")
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference, lock=True)
        assert contract.id is not None
        if contract.ended_on is not None:
            raise BadInput(
                f"{reference} was already {contract.status} on {contract.ended_on}",
                field="reference",
            )
        today = local_today(ctx.now, contract.timezone)
        if ended_on > today:
            raise BadInput(
                f"{ended_on} is in the future; record the end on or after the day it takes effect",
                field="ended_on",
            )
        if ended_on > contract.end_on:
            raise BadInput(
                f"{ended_on} is after the contract's end date {contract.end_on}",
                field="ended_on",
            )
        before = ContractPublic.of(contract)
        superseded = [
            ObligationRef(id=oid, due_on=due, obligation=title)
            for oid, due, title in session.execute(
                select(col(Obligation.id), col(Obligation.due_on), col(Obligation.title))
                .where(
                    col(Obligation.contract_id) == contract.id,
                    col(Obligation.status).in_(UNDECIDED),
                    col(Obligation.due_on) > ended_on,
                )
                .order_by(col(Obligation.due_on), col(Obligation.id))
            )
        ]
        supersede_rows(session, [s.id for s in superseded], now=ctx.now)
        # No reminder for anything of an ended contract, even what fell due before the end.
        session.execute(
            update(Obligation)
            .where(
                col(Obligation.contract_id) == contract.id,
                col(Obligation.next_reminder_at).is_not(None),
            )
            .values(next_reminder_at=None, updated_at=ctx.now)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(ContractClause)
            .where(col(ContractClause.contract_id) == contract.id)
            .values(next_plan_on=None)
            .execution_options(synchronize_session=False)
        )
        contract.status = status
        contract.ended_on = ended_on
        contract.end_reason = why
        session.add(contract)
        session.flush()
        view = ContractEnding(
            reference=reference,
            status=status,
            ended_on=ended_on,
            reason=why,
            superseded=superseded,
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract",
            entity_id=contract.id,
            contract_id=contract.id,
            action="ended",
            before=audit_view(before),
            after={**audit_view(ContractPublic.of(contract)), **audit_view(view)},
        )
    return view
