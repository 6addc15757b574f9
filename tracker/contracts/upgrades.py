"""Clause versions: what a contract pins, what changed, and the explicit upgrade."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.bulk import insert_ignoring_duplicates
from tracker.context import Context
from tracker.contracts.register import refuse_if_ended, store_clause_version
from tracker.contracts.results import ClauseUpgrade, ObligationRef, audit_view
from tracker.db import read_session, write_session
from tracker.domain.schedule import local_today
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput, NotFound
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile, EventName
from tracker.library.versions import semver, summarise
from tracker.migrate import current_revision
from tracker.models import (
    ClauseVersion,
    Contract,
    ContractClause,
    ContractEvent,
    Obligation,
    table_of,
)
from tracker.obligations.planning import (
    OBLIGATION_KEY,
    ClauseCache,
    RaisedEvent,
    event_rows,
    plan_targets,
    targets_for,
)

# Open and not yet past their due date: what an upgrade may re-plan.
REPLANNABLE = (ObligationStatus.UPCOMING.value, ObligationStatus.DUE.value)


def known_versions(ctx: Context, clause_id: str) -> dict[str, ClauseFile]:
    """Every version of a clause we know: those contracts pinned, and the library's own."""
    found: dict[str, ClauseFile] = {}
    if current_revision(ctx.engine) is not None:
        with read_session(ctx.engine) as session:
            rows = session.scalars(
                select(ClauseVersion)
                .where(col(ClauseVersion.clause_id) == clause_id)
                .order_by(col(ClauseVersion.id))
            )
            for row in rows:
                found[row.version] = ClauseFile.model_validate(row.body)
    if clause_id in ctx.library.clauses:
        current = ctx.library.clauses[clause_id]
        found[current.version] = current
    if not found:
        raise BadInput(
            f"no clause {clause_id!r} in the library or in any contract", field="clause_id"
        )
    return dict(sorted(found.items(), key=lambda item: semver(item[0])))


def _pinned(session: Session, reference: str, clause_id: str) -> tuple[Contract, ContractClause]:
    row = session.execute(
        select(Contract, ContractClause)
        .join(ContractClause, col(ContractClause.contract_id) == col(Contract.id))
        .where(col(Contract.reference) == reference, col(ContractClause.clause_id) == clause_id)
    ).first()
    if row is None:
        exists = select(col(Contract.id)).where(col(Contract.reference) == reference)
        if session.scalars(exists).first() is not None:
            raise BadInput(f"{clause_id} is not attached to {reference}", field="clause_id")
        raise NotFound(f"no contract {reference!r}", field="reference")
    if row[1].detached_at is not None:
        raise BadInput(f"{clause_id} was detached from {reference}", field="clause_id")
    return row[0], row[1]


def upgrade_clause(
    ctx: Context, reference: str, clause_id: str, *, params: dict[str, str] | None = None
) -> ClauseUpgrade:
    """Move a contract to the library's version of a clause, re-planning only future,
    unfulfilled obligations; say what changed."""
    new = ctx.library.get(clause_id)
    with write_session(ctx.engine) as session:
        contract, attached = _pinned(session, reference, clause_id)
        assert contract.id is not None
        assert attached.id is not None
        refuse_if_ended(contract)
        old = ClauseCache(session)(attached.clause_version_id)
        if semver(new.version) < semver(old.version):
            raise BadInput(
                f"the library has {clause_id} {new.version}, older than the "
                f"{old.version} that {reference} uses",
                field="clause_id",
            )
        if new.version == old.version:
            if store_clause_version(session, new, now=ctx.now) != attached.clause_version_id:
                raise BadInput(
                    f"the library's {clause_id} {new.version} differs from the copy "
                    f"{reference} uses but has the same version number; give the changed "
                    "clause a new version number",
                    field="clause_id",
                )
            return ClauseUpgrade(
                contract=reference,
                clause_id=clause_id,
                from_version=old.version,
                to_version=new.version,
                changes=[],
                parameters=attached.parameters,
                superseded=[],
                planned=[],
                message=f"{reference} already uses {clause_id} {new.version}",
            )
        # Keep the buyer's choices where the new version still has the parameter. A value
        # equal to the old version's default was the library's, not the buyer's: it follows
        # the new default, so a corrected default (a date, a period) reaches the contract.
        old_defaults = resolve_values(old, {})
        kept = {
            k: str(v)
            for k, v in attached.parameters.items()
            if k in new.parameters and v != old_defaults.get(k)
        }
        values = resolve_values(new, {**kept, **(params or {})})
        version_id = store_clause_version(session, new, now=ctx.now)
        today = local_today(ctx.now, contract.timezone)
        superseded = [
            ObligationRef(id=oid, due_on=due, obligation=title)
            for oid, due, title in session.execute(
                select(col(Obligation.id), col(Obligation.due_on), col(Obligation.title))
                .where(
                    col(Obligation.contract_clause_id) == attached.id,
                    col(Obligation.status).in_(REPLANNABLE),
                    col(Obligation.due_on) >= today,
                )
                .order_by(col(Obligation.due_on))
            )
        ]
        if superseded:
            session.execute(
                update(Obligation)
                .where(col(Obligation.id).in_([s.id for s in superseded]))
                .values(
                    status=ObligationStatus.SUPERSEDED.value,
                    next_reminder_at=None,
                    updated_at=ctx.now,
                )
                .execution_options(synchronize_session=False)
            )
        before = {"clause_version": attached.clause_version, "parameters": attached.parameters}
        session.execute(
            update(ContractClause)
            .where(col(ContractClause.id) == attached.id)
            .values(
                clause_version=new.version,
                clause_version_id=version_id,
                parameters=values,
                plan_from=max(attached.plan_from or today, today),
                next_plan_on=contract.start_on,
            )
            .execution_options(synchronize_session=False)
        )
        targets = targets_for(session, [attached.id])
        plan_targets(
            session,
            targets,
            now=ctx.now,
            horizon_days=ctx.settings.horizon_days,
            reminder_hour=ctx.settings.reminder_hour,
            clauses=lambda _: new,
        )
        events = [
            RaisedEvent(eid, EventName(name), day, plan, closed_on)
            for eid, name, day, plan, closed_on in session.execute(
                select(
                    col(ContractEvent.id),
                    col(ContractEvent.name),
                    col(ContractEvent.occurred_on),
                    col(ContractEvent.plan),
                    col(ContractEvent.closed_on),
                ).where(col(ContractEvent.contract_id) == contract.id)
            )
            if eid is not None
        ]
        insert_ignoring_duplicates(
            session,
            table_of(Obligation),
            event_rows(
                targets[0],
                new,
                events,
                now=ctx.now,
                reminder_hour=ctx.settings.reminder_hour,
                due_from=today,
            ),
            conflict=OBLIGATION_KEY,
        )
        planned = [
            ObligationRef(id=oid, due_on=due, obligation=title)
            for oid, due, title in session.execute(
                select(col(Obligation.id), col(Obligation.due_on), col(Obligation.title))
                .where(
                    col(Obligation.contract_clause_id) == attached.id,
                    col(Obligation.occurrence).startswith(f"{new.version}:"),
                )
                .order_by(col(Obligation.due_on))
            )
        ]
        view = ClauseUpgrade(
            contract=reference,
            clause_id=clause_id,
            from_version=old.version,
            to_version=new.version,
            changes=summarise(old, new),
            parameters=values,
            superseded=superseded,
            planned=planned,
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_clause",
            entity_id=attached.id,
            contract_id=contract.id,
            action="upgraded",
            before=before,
            after=audit_view(view),
        )
    return view
