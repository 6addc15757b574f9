"""Whether a person may act on one record: the role's scope from the permission table, and
for "own" scopes the contract's manager, looked up from the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from tracker.context import Context
from tracker.db import read_session
from tracker.errors import NotFound
from tracker.models import Contract, Evidence, Finding, Obligation
from tracker.people.roles import Action, Forbidden, Person, may_on_contract, require


def manager_of(
    ctx: Context,
    *,
    reference: str | None = None,
    obligation_id: int | None = None,
    evidence_id: int | None = None,
    finding_id: int | None = None,
) -> str | None:
    """The manager email of the contract a record belongs to; NotFound if there is none."""
    stmt = select(col(Contract.manager_email))
    if reference is not None:
        stmt = stmt.where(col(Contract.reference) == reference)
        what, key = "reference", reference
    elif obligation_id is not None:
        stmt = stmt.join(Obligation, col(Obligation.contract_id) == col(Contract.id)).where(
            col(Obligation.id) == obligation_id
        )
        what, key = "obligation_id", str(obligation_id)
    elif evidence_id is not None:
        stmt = stmt.join(Evidence, col(Evidence.contract_id) == col(Contract.id)).where(
            col(Evidence.id) == evidence_id
        )
        what, key = "evidence_id", str(evidence_id)
    elif finding_id is not None:
        stmt = stmt.join(Finding, col(Finding.contract_id) == col(Contract.id)).where(
            col(Finding.id) == finding_id
        )
        what, key = "finding_id", str(finding_id)
    else:
        raise ValueError("name a contract, an obligation, a piece of evidence or a finding")
    with read_session(ctx.engine) as session:
        found = session.execute(stmt).first()
    if found is None:
        raise NotFound(f"no such record ({key})", field=what)
    manager: str | None = found[0]
    return manager


def check(
    ctx: Context,
    person: Person,
    action: Action,
    *,
    reference: str | None = None,
    obligation_id: int | None = None,
    evidence_id: int | None = None,
    finding_id: int | None = None,
) -> None:
    """Raise Forbidden unless `person` may do `action` (on the record, when one is named)."""
    require(person, action)
    if reference is None and obligation_id is None and evidence_id is None and finding_id is None:
        return
    manager = manager_of(
        ctx,
        reference=reference,
        obligation_id=obligation_id,
        evidence_id=evidence_id,
        finding_id=finding_id,
    )
    if not may_on_contract(person, action, manager_email=manager):
        raise Forbidden(
            f"only the contract's manager ({manager or 'none named'}) or an admin may do this"
        )
