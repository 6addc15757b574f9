"""Contracts: register, list, show, attach clauses (pinning their version), raise events."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.bulk import insert_ignoring_duplicates
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.domain.schedule import (
    ContractDates,
    ScheduleError,
    contract_occurrences,
    local_today,
)
from tracker.errors import BadInput, NotFound
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile, EventName
from tracker.models import (
    ClauseVersion,
    Contract,
    ContractClause,
    ContractEvent,
    ContractStatus,
    Obligation,
    Supplier,
    table_of,
)
from tracker.obligations.planning import (
    OBLIGATION_KEY,
    ClauseCache,
    RaisedEvent,
    event_rows,
    occurrence_key,
    plan_targets,
    targets_for,
)
from tracker.records import record_of

CONTRACT_FIELDS = [
    "id",
    "reference",
    "title",
    "buyer",
    "supplier_id",
    "signed_on",
    "start_on",
    "end_on",
    "value_amount",
    "currency",
    "cpv_codes",
    "manager_email",
    "timezone",
    "country",
    "status",
]


def contract_dates(contract: Contract) -> ContractDates:
    return ContractDates(
        start_on=contract.start_on,
        end_on=contract.end_on,
        signed_on=contract.signed_on,
        country=contract.country,
        timezone=contract.timezone,
    )


def add_contract(
    ctx: Context,
    *,
    reference: str,
    supplier_id: int,
    title: str,
    start_on: date,
    end_on: date,
    signed_on: date | None = None,
    manager_email: str | None = None,
    timezone: str | None = None,
    country: str | None = None,
    buyer: str | None = None,
    value: Decimal | None = None,
    currency: str | None = None,
    cpv_codes: list[str] | None = None,
    status: str = ContractStatus.ACTIVE.value,
) -> dict[str, Any]:
    reference = validate.text(reference, field="reference", max_length=100)
    title = validate.text(title, field="title", max_length=500)
    if end_on < start_on:
        raise BadInput(f"--end: {end_on} is before the start date {start_on}")
    if signed_on is not None and signed_on > end_on:
        raise BadInput(f"--signed: {signed_on} is after the end date {end_on}")
    manager = validate.email(manager_email, field="manager_email") if manager_email else None
    tz = validate.timezone(timezone or ctx.settings.timezone, field="timezone")
    cc = validate.country(country or ctx.settings.country, field="country")
    cpvs = [validate.cpv(c, field="cpv_codes") for c in cpv_codes or []]
    money = None
    if value is not None:
        if value < 0:
            raise BadInput("--value: must not be negative")
        if currency is None:
            raise BadInput("--currency: a value needs its currency (e.g. EUR)")
        money = validate.currency(currency, field="currency")
    try:
        status_value = ContractStatus(status).value
    except ValueError:
        allowed = ", ".join(s.value for s in ContractStatus)
        raise BadInput(f"--status: {status!r} is not one of {allowed}") from None
    with write_session(ctx.engine) as session:
        if session.get(Supplier, supplier_id) is None:
            raise NotFound(f"--supplier: no supplier with id {supplier_id}")
        if _find(session, reference) is not None:
            raise BadInput(f"REFERENCE: a contract {reference!r} already exists")
        contract = Contract(
            reference=reference,
            title=title,
            buyer=buyer,
            supplier_id=supplier_id,
            signed_on=signed_on,
            start_on=start_on,
            end_on=end_on,
            value_amount=value,
            currency=money,
            cpv_codes=cpvs,
            manager_email=manager,
            timezone=tz,
            country=cc,
            status=status_value,
            created_at=ctx.now,
        )
        session.add(contract)
        try:
            session.flush()
        except IntegrityError:  # a concurrent writer took the reference first
            raise BadInput(f"REFERENCE: a contract {reference!r} already exists") from None
        view = record_of(contract, CONTRACT_FIELDS)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract",
            entity_id=contract.id,
            contract_id=contract.id,
            action="created",
            after=view,
        )
    return view


def _find(session: Session, reference: str) -> Contract | None:
    return session.scalars(select(Contract).where(col(Contract.reference) == reference)).first()


def get_by_reference(session: Session, reference: str, *, what: str = "REFERENCE") -> Contract:
    """The contract, or NotFound naming the argument or option (`what`) that gave it."""
    contract = _find(session, reference)
    if contract is None:
        raise NotFound(f"{what}: no contract {reference!r}; `tracker contract list` shows them")
    return contract


def list_contracts(
    ctx: Context, *, supplier_id: int | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    with read_session(ctx.engine) as session:
        stmt = (
            select(Contract, col(Supplier.name))
            .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
            .order_by(col(Contract.reference))
        )
        if supplier_id is not None:
            stmt = stmt.where(col(Contract.supplier_id) == supplier_id)
        if status is not None:
            stmt = stmt.where(col(Contract.status) == status)
        return [
            {
                **record_of(c, ["reference", "title"]),
                "supplier": name,
                **record_of(c, ["start_on", "end_on", "timezone", "status"]),
            }
            for c, name in session.execute(stmt)
        ]


def store_clause_version(session: Session, clause: ClauseFile, *, now: Any) -> int:
    """The id of this exact clause definition, stored once by content hash."""
    body = clause.model_dump(mode="json")
    digest = hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    existing = session.scalars(
        select(col(ClauseVersion.id)).where(col(ClauseVersion.sha256) == digest)
    ).first()
    if existing is not None:
        return existing
    row = ClauseVersion(
        clause_id=clause.id, version=clause.version, sha256=digest, body=body, first_seen_at=now
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def attach_clause(
    ctx: Context,
    reference: str,
    clause_id: str,
    *,
    params: dict[str, str] | None = None,
    plan_from: date | None = None,
) -> dict[str, Any]:
    """Pin the library's current version of a clause to a contract and plan its duties."""
    clause = ctx.library.get(clause_id)
    values = resolve_values(clause, params or {})
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        dates = contract_dates(contract)
        try:  # refuse before writing anything if the clause cannot be scheduled here
            for template in clause.obligations:
                next(
                    contract_occurrences(template, clause=clause, values=values, contract=dates),
                    None,
                )
        except ScheduleError as exc:
            raise BadInput(f"{clause.id}: {exc}") from None
        already = session.scalars(
            select(col(ContractClause.id)).where(
                col(ContractClause.contract_id) == contract.id,
                col(ContractClause.clause_id) == clause.id,
            )
        ).first()
        if already is not None:
            raise BadInput(f"CLAUSE_ID: {clause.id} is already attached to {reference}")
        version_id = store_clause_version(session, clause, now=ctx.now)
        attached = ContractClause(
            contract_id=contract.id,
            clause_id=clause.id,
            clause_version=clause.version,
            clause_version_id=version_id,
            parameters=values,
            plan_from=plan_from,
            attached_at=ctx.now,
            attached_by=ctx.actor,
            next_plan_on=contract.start_on,
        )
        session.add(attached)
        session.flush()
        assert attached.id is not None
        planned = plan_targets(
            session,
            targets_for(session, [attached.id]),
            now=ctx.now,
            horizon_days=ctx.settings.horizon_days,
            reminder_hour=ctx.settings.reminder_hour,
            clauses=ClauseCache(session),
        )
        view = {
            "contract": reference,
            "clause_id": clause.id,
            "clause_version": clause.version,
            "parameters": values,
            "plan_from": plan_from.isoformat() if plan_from else None,
            "obligations_planned": planned,
        }
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_clause",
            entity_id=attached.id,
            contract_id=contract.id,
            action="attached",
            after=view,
        )
    return view


def raise_event(
    ctx: Context,
    reference: str,
    event: str,
    *,
    occurred_on: date | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Record a named event and plan every duty that the contract's clauses tie to it."""
    try:
        name = EventName(event)
    except ValueError:
        allowed = ", ".join(e.value for e in EventName)
        raise BadInput(f"EVENT: {event!r} is not one of {allowed}") from None
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        day = occurred_on or local_today(ctx.now, contract.timezone)
        record = ContractEvent(
            contract_id=contract.id,
            name=name.value,
            occurred_on=day,
            note=note,
            recorded_at=ctx.now,
            recorded_by=ctx.actor,
        )
        session.add(record)
        session.flush()
        assert record.id is not None
        cache = ClauseCache(session)
        raised = [RaisedEvent(record.id, name, day)]
        rows = []
        for target in targets_for(session, _clause_ids(session, contract.id)):
            rows += event_rows(
                target,
                cache(target.clause_version_id),
                raised,
                now=ctx.now,
                reminder_hour=ctx.settings.reminder_hour,
            )
        planned = insert_ignoring_duplicates(
            session, table_of(Obligation), rows, conflict=OBLIGATION_KEY
        )
        view = {
            "id": record.id,
            "contract": reference,
            "event": name.value,
            "occurred_on": day.isoformat(),
            "note": note,
            "obligations_planned": planned,
        }
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_event",
            entity_id=record.id,
            contract_id=contract.id,
            action="raised",
            after=view,
        )
    return view


def _clause_ids(session: Session, contract_id: int) -> list[int]:
    return list(
        session.scalars(
            select(col(ContractClause.id)).where(col(ContractClause.contract_id) == contract_id)
        )
    )


def get_contract(ctx: Context, reference: str) -> dict[str, Any]:
    """The contract, its clauses, and its whole schedule (planned or still to come)."""
    with read_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        view = record_of(contract, CONTRACT_FIELDS)
        supplier = session.get(Supplier, contract.supplier_id)
        view["supplier"] = supplier.name if supplier else None
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
        clauses, schedule = [], []
        attached = session.scalars(
            select(ContractClause)
            .where(col(ContractClause.contract_id) == contract.id)
            .order_by(col(ContractClause.id))
        )
        for cc in attached:
            assert cc.id is not None
            clause = cache(cc.clause_version_id)
            clauses.append(
                {
                    "clause_id": cc.clause_id,
                    "version": cc.clause_version,
                    "title": clause.title,
                    "parameters": cc.parameters,
                }
            )
            for template in clause.obligations:
                for occ in contract_occurrences(
                    template, clause=clause, values=cc.parameters, contract=contract_dates(contract)
                ):
                    if cc.plan_from is not None and occ.due_on < cc.plan_from:
                        continue
                    oid, status = planned.get(
                        (cc.id, template.id, occurrence_key(clause, occ)),
                        (None, "not yet planned"),
                    )
                    schedule.append(
                        {
                            "due_on": occ.due_on.isoformat(),
                            "clause_id": cc.clause_id,
                            "obligation": template.title,
                            "obligation_id": oid,
                            "status": status,
                        }
                    )
        known = {(row["clause_id"], row["obligation_id"]) for row in schedule}
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
            if (clause_id, oid) not in known:  # event- and evidence-driven duties
                schedule.append(
                    {
                        "due_on": due_on.isoformat(),
                        "clause_id": clause_id,
                        "obligation": title,
                        "obligation_id": oid,
                        "status": status,
                    }
                )
        schedule.sort(key=lambda row: (row["due_on"], row["clause_id"], row["obligation"]))
        view["clauses"] = clauses
        view["schedule"] = schedule
        view["events"] = [
            {"id": e.id, "event": e.name, "occurred_on": e.occurred_on.isoformat(), "note": e.note}
            for e in session.scalars(
                select(ContractEvent)
                .where(col(ContractEvent.contract_id) == contract.id)
                .order_by(col(ContractEvent.id))
            )
        ]
        view["open_obligations"] = session.execute(
            select(func.count())
            .select_from(Obligation)
            .where(
                col(Obligation.contract_id) == contract.id,
                col(Obligation.status).in_(["upcoming", "due", "overdue", "rejected"]),
            )
        ).scalar_one()
        return view
