"""Contracts: register, list, attach clauses (pinning their version), raise events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.bulk import insert_ignoring_duplicates
from tracker.closures.days import closed_days
from tracker.context import Context
from tracker.contracts.dates import check_contract_dates, in_range
from tracker.contracts.money import check_amount
from tracker.contracts.results import (
    ClauseAttachment,
    ContractPublic,
    ContractSummary,
    RaisedEventResult,
    SkippedDuty,
    audit_view,
)
from tracker.contracts.suppliers import find_supplier
from tracker.db import read_session, write_session
from tracker.domain.business_days import check_calendar
from tracker.domain.schedule import (
    ContractDates,
    ScheduleError,
    contract_occurrences,
    local_today,
)
from tracker.domain.templates import NORMAL_PLAN, applies_to_contract, offered_plans
from tracker.errors import BadInput, NotFound
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile, EventName, TriggerType
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
    plan_targets,
    targets_for,
)

# A contract is registered pending or active; `end_contract` terminates or cancels it.
OPEN_STATUSES = (ContractStatus.PENDING.value, ContractStatus.ACTIVE.value)


def contract_dates(contract: Contract, closed: frozenset[date] = frozenset()) -> ContractDates:
    """The contract's schedule facts; `closed`: the buyer's closure days (`closed_days`)."""
    return ContractDates(
        start_on=contract.start_on,
        end_on=contract.end_on,
        signed_on=contract.signed_on,
        country=contract.country,
        timezone=contract.timezone,
        closed=closed,
        cpv_codes=tuple(contract.cpv_codes or ()),
    )


# Contracts written per transaction by `add_contracts`: large enough that a 50,000-contract
# import is not 50,000 commits, small enough that a transaction stays short.
BATCH = 500


@dataclass(frozen=True, slots=True)
class NewContract:
    """One contract to register; the keywords of `add_contract`."""

    reference: str
    supplier_id: int | str
    title: str
    start_on: date
    end_on: date
    signed_on: date | None = None
    manager_email: str | None = None
    timezone: str | None = None
    country: str | None = None
    buyer: str | None = None
    value: Decimal | None = None
    currency: str | None = None
    cpv_codes: Sequence[str] | None = None
    status: str = ContractStatus.ACTIVE.value
    reminder_time: str | None = None


def add_contract(
    ctx: Context,
    *,
    reference: str,
    supplier_id: int | str,
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
    reminder_time: str | None = None,
) -> ContractPublic:
    """Register a contract; `supplier_id` is the supplier's id or its exact name;
    `reminder_time` (HH:MM, local): when its reminders go out, if not the site's hour."""
    new = NewContract(
        reference=reference,
        supplier_id=supplier_id,
        title=title,
        start_on=start_on,
        end_on=end_on,
        signed_on=signed_on,
        manager_email=manager_email,
        timezone=timezone,
        country=country,
        buyer=buyer,
        value=value,
        currency=currency,
        cpv_codes=cpv_codes,
        status=status,
        reminder_time=reminder_time,
    )
    (outcome,) = add_contracts(ctx, [new])
    if isinstance(outcome, BadInput):
        raise outcome
    return outcome


def add_contracts(
    ctx: Context, contracts: Sequence[NewContract]
) -> list[ContractPublic | BadInput]:
    """Register many contracts under the rules of `add_contract`: for each, in order, the
    contract registered or why it was refused. One refused contract stops none of the
    others and leaves nothing of itself; each registered one has its own audit event.
    Written `BATCH` contracts per transaction, with one look-up of their suppliers and
    references per transaction."""
    outcomes: list[ContractPublic | BadInput | None] = [None] * len(contracts)
    checked: list[tuple[int, int | str, dict[str, Any]]] = []
    for index, new in enumerate(contracts):
        try:
            checked.append((index, new.supplier_id, _checked_fields(ctx, new)))
        except BadInput as exc:
            outcomes[index] = exc
    for start in range(0, len(checked), BATCH):
        _write_batch(ctx, checked[start : start + BATCH], outcomes)
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(contracts)
    return done


def _checked_fields(ctx: Context, new: NewContract) -> dict[str, Any]:
    """The contract's columns, every value checked (nothing here reads the database)."""
    reference = validate.text(new.reference, field="reference", max_length=100)
    title = validate.text(new.title, field="title", max_length=500)
    check_contract_dates(start_on=new.start_on, end_on=new.end_on, signed_on=new.signed_on)
    manager = (
        validate.email(new.manager_email, field="manager_email") if new.manager_email else None
    )
    tz = validate.timezone(new.timezone or ctx.settings.timezone, field="timezone")
    cc = holiday_calendar(new.country or ctx.settings.country)
    cpvs = [validate.cpv(c, field="cpv_codes") for c in new.cpv_codes or []]
    buyer = (
        validate.text(new.buyer, field="buyer", max_length=300) if new.buyer is not None else None
    )
    amount, money = check_value(new.value, new.currency)
    at = validate.reminder_time(new.reminder_time or "", field="reminder_time")
    if new.status not in OPEN_STATUSES:
        hint = " (`tracker contract end` ends a contract)" if is_status(new.status) else ""
        raise BadInput(
            f"{new.status!r} is not one of {', '.join(OPEN_STATUSES)}{hint}", field="status"
        )
    return {
        "reference": reference,
        "title": title,
        "buyer": buyer,
        "signed_on": new.signed_on,
        "start_on": new.start_on,
        "end_on": new.end_on,
        "value_amount": amount,
        "currency": money,
        "cpv_codes": cpvs,
        "manager_email": manager,
        "timezone": tz,
        "country": cc,
        "reminder_minute": at,
        "status": new.status,
        "created_at": ctx.now,
    }


def _taken(reference: str) -> BadInput:
    return BadInput(f"a contract {reference!r} already exists", field="reference")


def _write_batch(
    ctx: Context,
    batch: Sequence[tuple[int, int | str, dict[str, Any]]],
    outcomes: list[ContractPublic | BadInput | None],
) -> None:
    """One transaction: the batch's contracts that can be registered, and their events."""
    with write_session(ctx.engine) as session:
        suppliers = _suppliers(session, {key for _, key, _ in batch})
        references = [fields["reference"] for _, _, fields in batch]
        taken = set(
            session.scalars(
                select(col(Contract.reference)).where(col(Contract.reference).in_(references))
            )
        )
        rows: list[tuple[int, dict[str, Any]]] = []
        for index, key, fields in batch:
            supplier = suppliers[str(key).strip()]
            if isinstance(supplier, BadInput):
                outcomes[index] = supplier
            elif fields["reference"] in taken:
                outcomes[index] = _taken(fields["reference"])
            else:
                taken.add(fields["reference"])
                rows.append((index, {**fields, "supplier_id": supplier}))
        table = table_of(Contract)
        try:
            with session.begin_nested():
                # Core, not ORM objects: a plain executemany, then the ids in one query.
                if rows:
                    session.execute(insert(table), [fields for _, fields in rows])
                written = rows
        except IntegrityError:
            # A concurrent writer took a reference after the look-up: one savepoint per
            # contract, so only the contracts that lost the race are refused.
            written = []
            for index, fields in rows:
                try:
                    with session.begin_nested():
                        session.execute(insert(table), fields)
                except IntegrityError:
                    outcomes[index] = _taken(fields["reference"])
                    continue
                written.append((index, fields))
        ids: dict[str, int] = {
            reference: contract_id
            for reference, contract_id in session.execute(
                select(col(Contract.reference), col(Contract.id)).where(
                    col(Contract.reference).in_([fields["reference"] for _, fields in written])
                )
            )
        }
        changes = []
        for index, fields in written:
            view = ContractPublic.registered(ids[fields["reference"]], fields)
            outcomes[index] = view
            changes.append(
                audit.Change(
                    entity="contract",
                    entity_id=view.id,
                    action="created",
                    contract_id=view.id,
                    after=audit_view(view),
                )
            )
        audit.record_many(session, changes, now=ctx.now, actor=ctx.actor)


def _suppliers(session: Session, keys: set[int | str]) -> dict[str, int | BadInput]:
    """Each supplier key (an id, or an exact name) as `find_supplier` reads it: the
    supplier's id, or why there is none. Ids are looked up together."""
    found: dict[str, int | BadInput] = {}
    texts = {str(key).strip() for key in keys}
    ids = {int(t) for t in texts if t.isdigit()}
    known = set(
        session.scalars(select(col(Supplier.id)).where(col(Supplier.id).in_(ids))) if ids else ()
    )
    for text in texts:
        if text.isdigit():
            number = int(text)
            found[text] = (
                number
                if number in known
                else NotFound(f"no supplier with id {number}", field="supplier_id")
            )
            continue
        try:
            supplier = find_supplier(session, text)
        except BadInput as exc:
            found[text] = exc
            continue
        assert supplier.id is not None
        found[text] = supplier.id
    return found


def is_status(value: str) -> bool:
    return value in {s.value for s in ContractStatus}


def holiday_calendar(value: str | None) -> str | None:
    """The contract's holiday calendar: a country or a region of it (`DE-BY`)."""
    if value is None:
        return None
    try:
        return check_calendar(value)
    except ValueError as exc:
        raise BadInput(str(exc), field="country") from None


def check_value(value: Decimal | None, currency: str | None) -> tuple[Decimal | None, str | None]:
    """The value to the cent and its currency code; a value needs its currency."""
    if value is None:
        return None, (validate.currency(currency, field="currency") if currency else None)
    amount = check_amount(value, field="value")
    if currency is None:
        raise BadInput("a value needs its currency (e.g. EUR)", field="currency")
    return amount, validate.currency(currency, field="currency")


def _find(session: Session, reference: str, *, lock: bool = False) -> Contract | None:
    stmt = select(Contract).where(col(Contract.reference) == reference)
    if lock:  # PostgreSQL: a concurrent edit waits (SQLite's BEGIN IMMEDIATE already does)
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def get_by_reference(
    session: Session,
    reference: str,
    *,
    field: str = "reference",
    lock: bool = False,
) -> Contract:
    """The contract (row-locked for the transaction with `lock`), or NotFound naming the
    `field` that gave the reference."""
    contract = _find(session, reference, lock=lock)
    if contract is None:
        raise NotFound(
            f"no contract {reference!r}; `tracker contract list` shows them", field=field
        )
    return contract


def refuse_if_ended(contract: Contract, *, field: str = "reference") -> None:
    """Nothing new is planned for a terminated or cancelled contract."""
    if contract.ended_on is not None:
        raise BadInput(
            f"{contract.reference} was {contract.status} on {contract.ended_on}; "
            "nothing new is planned for an ended contract",
            field=field,
        )


def list_contracts(
    ctx: Context, *, supplier_id: int | str | None = None, status: str | None = None
) -> list[ContractSummary]:
    if status is not None and not is_status(status):
        allowed = ", ".join(s.value for s in ContractStatus)
        raise BadInput(f"{status!r} is not one of {allowed}", field="status")
    with read_session(ctx.engine) as session:
        stmt = (
            select(Contract, col(Supplier.name))
            .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
            .order_by(col(Contract.reference))
        )
        if supplier_id is not None:
            supplier = find_supplier(session, supplier_id)
            stmt = stmt.where(col(Contract.supplier_id) == supplier.id)
        if status is not None:
            stmt = stmt.where(col(Contract.status) == status)
        return [
            ContractSummary(
                reference=c.reference,
                title=c.title,
                supplier=name,
                start_on=c.start_on,
                end_on=c.end_on,
                timezone=c.timezone,
                status=c.status,
            )
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
) -> ClauseAttachment:
    """Pin the library's current version of a clause to a contract and plan its duties."""
    clause = ctx.library.get(clause_id)
    values = resolve_values(clause, params or {})
    if plan_from is not None:
        in_range(plan_from, field="plan_from")
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        refuse_if_ended(contract)
        dates = contract_dates(contract, closed_days(session))
        try:  # refuse before writing anything if the clause cannot be scheduled here
            for template in clause.obligations:
                next(
                    contract_occurrences(template, clause=clause, values=values, contract=dates),
                    None,
                )
        except ScheduleError as exc:
            raise BadInput(f"{clause.id}: {exc}", field="clause_id") from None
        already = session.scalars(
            select(ContractClause).where(
                col(ContractClause.contract_id) == contract.id,
                col(ContractClause.clause_id) == clause.id,
            )
        ).first()
        if already is not None:
            detached = " (detached; its history stays)" if already.detached_at else ""
            raise BadInput(
                f"{clause.id} is already attached to {reference}{detached}", field="clause_id"
            )
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
        view = ClauseAttachment(
            contract=reference,
            clause_id=clause.id,
            clause_version=clause.version,
            parameters=values,
            plan_from=plan_from,
            obligations_planned=planned,
            skipped=skipped_duties(clause, dates.cpv_codes),
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_clause",
            entity_id=attached.id,
            contract_id=contract.id,
            action="attached",
            after=audit_view(view),
        )
    return view


def skipped_duties(clause: ClauseFile, cpv_codes: tuple[str, ...]) -> list[SkippedDuty]:
    """The clause's duties that a contract with these CPV codes does not plan, or plans
    only for some models, each with the reason (`applies_if`)."""
    found = []
    codes = ", ".join(cpv_codes) or "none"
    for template in clause.obligations:
        condition = template.applies_if
        if condition is None:
            continue
        prefixes = ", ".join(condition.cpv_prefixes)
        if not applies_to_contract(template, cpv_codes):
            reason = (
                f"only for contracts with a CPV code starting {prefixes} (this one has {codes})"
            )
        elif (
            template.per_model
            and condition.product_types
            and not any(code.startswith(p) for code in cpv_codes for p in condition.cpv_prefixes)
        ):
            reason = f"only for models of type {', '.join(condition.product_types)}"
        else:
            continue
        found.append(SkippedDuty(template_id=template.id, obligation=template.title, reason=reason))
    return found


def raise_event(
    ctx: Context,
    reference: str,
    event: str,
    *,
    occurred_on: date | None = None,
    note: str | None = None,
    plan: str | None = None,
) -> RaisedEventResult:
    """Record a named event and plan every duty that the contract's clauses tie to it.

    `plan` picks one of the deadlines the clauses offer for this event (e.g. `priority`);
    the default is `normal`, each template's own offset."""
    try:
        name = EventName(event)
    except ValueError:
        allowed = ", ".join(e.value for e in EventName)
        raise BadInput(f"{event!r} is not one of {allowed}", field="event") from None
    if occurred_on is not None:
        in_range(occurred_on, field="occurred_on")
    if note is not None and len(note) > 2000:
        raise BadInput("is longer than 2000 characters", field="note")
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        refuse_if_ended(contract)
        day = occurred_on or local_today(ctx.now, contract.timezone)
        cache = ClauseCache(session)
        targets = targets_for(session, attached_clause_ids(session, contract.id))
        chosen = _chosen_plan(plan, name, [cache(t.clause_version_id) for t in targets])
        record = ContractEvent(
            contract_id=contract.id,
            name=name.value,
            occurred_on=day,
            note=note,
            recorded_at=ctx.now,
            recorded_by=ctx.actor,
            plan=chosen,
        )
        session.add(record)
        session.flush()
        assert record.id is not None
        raised = [RaisedEvent(record.id, name, day, chosen)]
        rows = []
        for target in targets:
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
        view = RaisedEventResult(
            id=record.id,
            contract=reference,
            event=name.value,
            occurred_on=day,
            note=note,
            plan=chosen or NORMAL_PLAN,
            obligations_planned=planned,
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_event",
            entity_id=record.id,
            contract_id=contract.id,
            action="raised",
            after=audit_view(view),
        )
    return view


def _chosen_plan(plan: str | None, event: EventName, clauses: list[ClauseFile]) -> str | None:
    """The plan to store with the event (None for normal), refused unless one of the
    contract's clauses offers it for this event."""
    if plan is None or plan == NORMAL_PLAN:
        return None
    offered = {NORMAL_PLAN}
    for clause in clauses:
        for template in clause.obligations:
            trigger = template.trigger
            if trigger.type is TriggerType.EVENT and trigger.event is event:
                offered.update(offered_plans(trigger))
    if plan not in offered:
        others = ", ".join([NORMAL_PLAN, *sorted(offered - {NORMAL_PLAN})])
        raise BadInput(
            f"{plan!r} is not a deadline the contract's clauses offer for {event.value} "
            f"(they offer: {others})",
            field="plan",
        )
    return plan


def attached_clause_ids(session: Session, contract_id: int) -> list[int]:
    """The contract's clauses that still plan (detached ones keep only their history)."""
    return list(
        session.scalars(
            select(col(ContractClause.id)).where(
                col(ContractClause.contract_id) == contract_id,
                col(ContractClause.detached_at).is_(None),
            )
        )
    )
