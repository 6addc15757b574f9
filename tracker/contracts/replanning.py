"""Re-plan a contract whose dates changed: move what is still open and ahead, never the past.

An obligation keeps its key (contract clause, template, occurrence) across a change of
dates, so the new plan is matched to the stored rows by key: a future obligation nobody has
acted on (upcoming or due, no evidence) moves to its new date; one the new plan no longer
has is superseded; one a previous change superseded comes back if the plan has it again;
keys the new plan adds are planned as usual. Submitted, decided and past obligations stay.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from tracker.contracts.register import attached_clause_ids
from tracker.contracts.results import Rescheduled
from tracker.domain.localtime import zone
from tracker.domain.schedule import Occurrence, contract_occurrences, local_today
from tracker.domain.status import ObligationStatus
from tracker.library.schema import ObligationTemplate, TriggerType
from tracker.models import Contract, ContractClause, Evidence, Obligation
from tracker.obligations.planning import (
    ClauseCache,
    obligation_row,
    occurrence_key,
    plan_targets,
    targets_for,
)

MOVABLE = (ObligationStatus.UPCOMING.value, ObligationStatus.DUE.value)
# Planned from the contract's own dates; event, evidence and finding duties are not.
CONTRACT_DRIVEN = frozenset(
    {
        TriggerType.CONTRACT_SIGNED,
        TriggerType.CONTRACT_START,
        TriggerType.CONTRACT_END,
        TriggerType.FIXED_DATE,
        TriggerType.RECURRING,
    }
)


def replan_contract(
    session: Session,
    contract: Contract,
    *,
    now: datetime,
    horizon_days: int,
    reminder_hour: int,
) -> list[Rescheduled]:
    """Bring the contract's obligations in line with its (already flushed) new dates;
    returns every obligation that moved, was superseded or is new."""
    assert contract.id is not None
    today = local_today(now, contract.timezone)
    local_now = now.astimezone(zone(contract.timezone))
    with_evidence = select(col(Evidence.obligation_id)).where(
        col(Evidence.contract_id) == contract.id
    )
    cache = ClauseCache(session)
    cc_ids = attached_clause_ids(session, contract.id)
    existing = set(
        session.scalars(
            select(col(Obligation.id)).where(col(Obligation.contract_id) == contract.id)
        )
    )
    changes: list[Rescheduled] = []
    for target in targets_for(session, cc_ids):
        clause = cache(target.clause_version_id)
        cc = session.get(ContractClause, target.contract_clause_id)
        assert cc is not None
        plan: dict[tuple[str, str], tuple[ObligationTemplate, Occurrence]] = {}
        for template in clause.obligations:
            for occ in contract_occurrences(
                template, clause=clause, values=target.parameters, contract=target.dates
            ):
                if target.plan_from is None or occ.due_on >= target.plan_from:
                    plan[(template.id, occurrence_key(clause, occ))] = (template, occ)
        candidates = session.scalars(
            select(Obligation)
            .where(
                col(Obligation.contract_clause_id) == target.contract_clause_id,
                col(Obligation.status).in_([*MOVABLE, ObligationStatus.SUPERSEDED.value]),
                col(Obligation.due_on) >= today,
                col(Obligation.occurrence).startswith(f"{clause.version}:"),
                col(Obligation.id).not_in(with_evidence),
            )
            .order_by(col(Obligation.due_on), col(Obligation.id))
        ).all()
        for ob in candidates:
            assert ob.id is not None
            template = clause.obligation(ob.template_id)
            if template.trigger.type not in CONTRACT_DRIVEN:
                continue
            found = plan.get((ob.template_id, ob.occurrence))
            if found is None:
                if ob.status != ObligationStatus.SUPERSEDED:
                    _supersede(session, ob.id, now=now)
                    changes.append(_change(ob, cc.clause_id, None, "superseded"))
                continue
            tpl, occ = found
            revived = ob.status == ObligationStatus.SUPERSEDED
            if occ.due_on == ob.due_on and not revived:
                continue
            row = obligation_row(
                occ,
                clause=clause,
                template=tpl,
                target=target,
                now=now,
                local_now=local_now,
                reminder_hour=reminder_hour,
            )
            _move(session, ob.id, row)
            changes.append(_change(ob, cc.clause_id, occ.due_on, row["status"]))
    session.execute(
        update(ContractClause)
        .where(col(ContractClause.id).in_(cc_ids))
        .values(next_plan_on=contract.start_on)
        .execution_options(synchronize_session=False)
    )
    plan_targets(
        session,
        targets_for(session, cc_ids),
        now=now,
        horizon_days=horizon_days,
        reminder_hour=reminder_hour,
        clauses=cache,
    )
    for oid, due_on, title, status, clause_id in session.execute(
        select(
            col(Obligation.id),
            col(Obligation.due_on),
            col(Obligation.title),
            col(Obligation.status),
            col(ContractClause.clause_id),
        )
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .where(col(Obligation.contract_id) == contract.id)
    ):
        if oid not in existing:
            changes.append(Rescheduled(oid, clause_id, title, None, due_on, status))
    changes.sort(key=lambda c: (c.new_due_on or c.old_due_on or date.min, c.obligation_id))
    return changes


def _change(ob: Obligation, clause_id: str, new_due_on: date | None, status: str) -> Rescheduled:
    assert ob.id is not None
    return Rescheduled(ob.id, clause_id, ob.title, ob.due_on, new_due_on, status)


def supersede_rows(session: Session, ids: list[int], *, now: datetime) -> None:
    """Superseded: kept for history, no more reminders or status changes."""
    if ids:
        session.execute(
            update(Obligation)
            .where(col(Obligation.id).in_(ids))
            .values(
                status=ObligationStatus.SUPERSEDED.value,
                next_reminder_at=None,
                next_status_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )


def _supersede(session: Session, oid: int, *, now: datetime) -> None:
    supersede_rows(session, [oid], now=now)


def _move(session: Session, oid: int, row: dict[str, Any]) -> None:
    session.execute(
        update(Obligation)
        .where(col(Obligation.id) == oid)
        .values(
            {
                key: row[key]
                for key in (
                    "due_on",
                    "window_opens_on",
                    "status",
                    "escalation_level",
                    "next_reminder_at",
                    "next_status_at",
                    "updated_at",
                )
            }
        )
        .execution_options(synchronize_session=False)
    )
