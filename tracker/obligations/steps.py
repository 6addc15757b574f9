"""The dated steps of one obligation's reminder ladder, as the sweep will take them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from tracker.closures.days import closed_days
from tracker.domain.localtime import zone
from tracker.domain.policy import steps_for
from tracker.library.schema import ClauseFile
from tracker.models import ClauseVersion, Contract, ContractClause, Obligation
from tracker.obligations.planning import cached_policy


@dataclass(frozen=True)
class PlannedStep:
    on: date  # in the contract's timezone
    step: str  # e.g. "before:P14D", "due", "level:2"
    kind: str
    level: int
    name: str


def planned_steps(
    session: Session, o: Obligation, contract: Contract, attachment: ContractClause
) -> tuple[PlannedStep, ...]:
    """Every step of the obligation's ladder from its current due date, in date order."""
    version = session.get(ClauseVersion, attachment.clause_version_id)
    if version is None:
        return ()
    clause = ClauseFile.model_validate(version.body)
    policy = cached_policy(clause, clause.obligation(o.template_id), attachment.parameters)
    inputs = policy.inputs
    steps = steps_for(
        o.due_on,
        before_due=inputs.before_due,
        after_due=inputs.after_due,
        recipients=inputs.recipients,
        ladder=inputs.ladder,
        notice_on=o.created_at.astimezone(zone(contract.timezone)).date()
        if inputs.on_trigger
        else None,
        country=contract.country,
        closed=closed_days(session),
    )
    return tuple(PlannedStep(s.on, s.key, s.kind.value, s.level, s.name) for s in steps)
