"""One contract in full: its facts, clauses, whole schedule (planned or still to come), events."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from tracker.closures.days import closed_days
from tracker.context import Context
from tracker.contracts.register import contract_dates, get_by_reference
from tracker.contracts.results import (
    AttachedClause,
    ContractDetail,
    EventRow,
    ScheduleRow,
)
from tracker.db import read_session
from tracker.domain.schedule import contract_occurrences
from tracker.domain.templates import NORMAL_PLAN
from tracker.models import ContractClause, ContractEvent, Obligation, Supplier
from tracker.obligations.planning import ClauseCache, occurrence_key

OPEN = ["upcoming", "due", "overdue", "rejected"]


def get_contract(ctx: Context, reference: str) -> ContractDetail:
    """The contract, its clauses, and its whole schedule. Duties a detached clause or an
    ended contract will no longer have are left out; those already planned stay."""
    with read_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        supplier = session.get(Supplier, contract.supplier_id)
        planned = {
            (cc, tpl, occ): (oid, status)
            for cc, tpl, occ, oid, status in session.execute(
                select(
                    col(Obligation.contract_clause_id),
                    col(Obligation.template_id),
                    col(Obligation.occurrence),
                    col(Obligation.id),
                    col(Obligation.status),
                ).where(col(Obligation.contract_id) == contract.id)
            )
        }
        cache = ClauseCache(session)
        dates = contract_dates(contract, closed_days(session))
        clauses: list[AttachedClause] = []
        schedule: list[ScheduleRow] = []
        attached = session.scalars(
            select(ContractClause)
            .where(col(ContractClause.contract_id) == contract.id)
            .order_by(col(ContractClause.id))
        )
        for cc in attached:
            assert cc.id is not None
            clause = cache(cc.clause_version_id)
            clauses.append(
                AttachedClause(
                    clause_id=cc.clause_id,
                    version=cc.clause_version,
                    title=clause.title,
                    parameters=cc.parameters,
                    detached_at=cc.detached_at,
                )
            )
            for template in clause.obligations:
                for occ in contract_occurrences(
                    template, clause=clause, values=cc.parameters, contract=dates
                ):
                    if cc.plan_from is not None and occ.due_on < cc.plan_from:
                        continue
                    oid, status = planned.get(
                        (cc.id, template.id, occurrence_key(clause, occ)),
                        (None, "not yet planned"),
                    )
                    no_more = cc.detached_at is not None or (
                        contract.ended_on is not None and occ.due_on > contract.ended_on
                    )
                    if oid is None and no_more:
                        continue
                    schedule.append(
                        ScheduleRow(
                            due_on=occ.due_on,
                            clause_id=cc.clause_id,
                            obligation=template.title,
                            obligation_id=oid,
                            status=status,
                        )
                    )
        known = {(row.clause_id, row.obligation_id) for row in schedule}
        for oid, due_on, title, clause_id, status in session.execute(
            select(
                col(Obligation.id),
                col(Obligation.due_on),
                col(Obligation.title),
                col(ContractClause.clause_id),
                col(Obligation.status),
            )
            .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
            .where(col(Obligation.contract_id) == contract.id)
        ):
            if (clause_id, oid) not in known:  # event- and evidence-driven duties, superseded
                schedule.append(
                    ScheduleRow(
                        due_on=due_on,
                        clause_id=clause_id,
                        obligation=title,
                        obligation_id=oid,
                        status=status,
                    )
                )
        schedule.sort(key=lambda row: (row.due_on, row.clause_id, row.obligation))
        events = [
            EventRow(
                id=e.id,
                event=e.name,
                occurred_on=e.occurred_on,
                note=e.note,
                plan=e.plan or NORMAL_PLAN,
                closed_on=e.closed_on,
            )
            for e in session.scalars(
                select(ContractEvent)
                .where(col(ContractEvent.contract_id) == contract.id)
                .order_by(col(ContractEvent.id))
            )
            if e.id is not None
        ]
        open_obligations = session.execute(
            select(func.count())
            .select_from(Obligation)
            .where(
                col(Obligation.contract_id) == contract.id,
                col(Obligation.status).in_(OPEN),
            )
        ).scalar_one()
        return ContractDetail.build(
            contract,
            supplier=supplier.name if supplier else None,
            clauses=clauses,
            schedule=schedule,
            events=events,
            open_obligations=open_obligations,
        )
