"""What the contracts use cases return: typed, frozen records every door prints its own way."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tracker.models import Contract, Supplier, SupplierContact
from tracker.records import plain
from tracker.validate import clock_text


@dataclass(frozen=True, slots=True)
class ContactPublic:
    id: int
    name: str | None
    email: str
    role: str

    @classmethod
    def of(cls, contact: SupplierContact) -> ContactPublic:
        assert contact.id is not None
        return cls(id=contact.id, name=contact.name, email=contact.email, role=contact.role)


@dataclass(frozen=True, slots=True)
class RemovedContact:
    id: int
    supplier_id: int
    name: str | None
    email: str
    role: str
    removed_at: datetime


@dataclass(frozen=True, slots=True)
class SupplierPublic:
    id: int
    name: str
    country: str | None
    identifiers: list[str]
    created_at: datetime
    contacts: list[ContactPublic]

    @classmethod
    def of(cls, supplier: Supplier, contacts: list[SupplierContact]) -> SupplierPublic:
        assert supplier.id is not None
        return cls(
            id=supplier.id,
            name=supplier.name,
            country=supplier.country,
            identifiers=list(supplier.identifiers),
            created_at=supplier.created_at,
            contacts=[ContactPublic.of(c) for c in contacts],
        )


@dataclass(frozen=True, slots=True)
class SupplierDetail(SupplierPublic):
    contracts: list[str]


@dataclass(frozen=True, slots=True)
class SupplierSummary:
    id: int
    name: str
    country: str | None
    contracts: int


@dataclass(frozen=True, slots=True)
class ContractPublic:
    id: int
    reference: str
    title: str
    buyer: str | None
    supplier_id: int
    signed_on: date | None
    start_on: date
    end_on: date
    value_amount: Decimal | None
    currency: str | None
    cpv_codes: list[str]
    manager_email: str | None
    timezone: str
    country: str | None
    status: str
    ended_on: date | None
    end_reason: str | None
    # HH:MM in the contract's timezone; None: the site's reminder hour.
    reminder_time: str | None

    @classmethod
    def of(cls, contract: Contract) -> ContractPublic:
        return cls(**_contract_fields(contract))

    @classmethod
    def registered(cls, contract_id: int, columns: dict[str, Any]) -> ContractPublic:
        """A contract just inserted from these column values (not yet ended)."""
        fields: dict[str, Any] = {
            f.name: columns.get(f.name)
            for f in dataclasses.fields(cls)
            if f.name not in ("id", "reminder_time")
        }
        return cls(
            **fields, id=contract_id, reminder_time=clock_text(columns.get("reminder_minute"))
        )


def _contract_fields(contract: Contract) -> dict[str, Any]:
    assert contract.id is not None
    fields = {
        f.name: getattr(contract, f.name)
        for f in dataclasses.fields(ContractPublic)
        if f.name != "reminder_time"
    }
    return {**fields, "reminder_time": clock_text(contract.reminder_minute)}


@dataclass(frozen=True, slots=True)
class ContractSummary:
    reference: str
    title: str
    supplier: str
    start_on: date
    end_on: date
    timezone: str
    status: str


@dataclass(frozen=True, slots=True)
class AttachedClause:
    clause_id: str
    version: str
    title: str
    parameters: dict[str, Any]
    detached_at: datetime | None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    due_on: date
    clause_id: str
    obligation: str
    obligation_id: int | None
    status: str


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    event: str
    occurred_on: date
    note: str | None
    plan: str  # the deadline plan chosen when it was recorded
    closed_on: date | None


@dataclass(frozen=True, slots=True)
class ContractDetail(ContractPublic):
    supplier: str | None
    clauses: list[AttachedClause]
    schedule: list[ScheduleRow]
    events: list[EventRow]
    open_obligations: int

    @classmethod
    def build(cls, contract: Contract, **extra: Any) -> ContractDetail:
        return cls(**_contract_fields(contract), **extra)


@dataclass(frozen=True, slots=True)
class SkippedDuty:
    """A duty of the clause that does not apply (or applies only to some models) here."""

    template_id: str
    obligation: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClauseAttachment:
    contract: str
    clause_id: str
    clause_version: str
    parameters: dict[str, Any]
    plan_from: date | None
    obligations_planned: int
    skipped: list[SkippedDuty] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RaisedEventResult:
    id: int
    contract: str
    event: str
    occurred_on: date
    note: str | None
    plan: str
    obligations_planned: int


@dataclass(frozen=True, slots=True)
class ObligationRef:
    id: int
    due_on: date
    obligation: str


@dataclass(frozen=True, slots=True)
class ClauseUpgrade:
    contract: str
    clause_id: str
    from_version: str
    to_version: str
    changes: list[str]
    parameters: dict[str, Any]
    superseded: list[ObligationRef]
    planned: list[ObligationRef]
    message: str | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Rescheduled:
    """One obligation a change of contract dates touched: moved, superseded or new."""

    obligation_id: int
    clause_id: str
    obligation: str
    old_due_on: date | None  # None: newly planned
    new_due_on: date | None  # None: superseded (no longer in the plan)
    status: str


@dataclass(frozen=True, slots=True)
class ContractEdit:
    reference: str
    changes: list[FieldChange]
    rescheduled: list[Rescheduled]


@dataclass(frozen=True, slots=True)
class ClauseDetachment:
    contract: str
    clause_id: str
    detached_at: datetime
    reason: str
    superseded: list[ObligationRef]


@dataclass(frozen=True, slots=True)
class EventClosing:
    id: int
    contract: str
    event: str
    occurred_on: date
    closed_on: date
    note: str | None
    superseded: list[ObligationRef]


@dataclass(frozen=True, slots=True)
class ContractEnding:
    reference: str
    status: str
    ended_on: date
    reason: str
    superseded: list[ObligationRef]


def audit_view(result: Any) -> dict[str, Any]:
    """A result as JSON-safe plain values for an audit event's before/after."""
    return {k: _audit_value(v) for k, v in dataclasses.asdict(result).items()}


def _audit_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_audit_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _audit_value(v) for k, v in value.items()}
    return plain(value)
