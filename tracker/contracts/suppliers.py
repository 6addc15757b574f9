"""Suppliers and their contacts (compliance, account, escalation)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput, NotFound
from tracker.models import ContactRole, Contract, Supplier, SupplierContact
from tracker.records import record_of

SUPPLIER_FIELDS = ["id", "name", "country", "identifiers", "created_at"]
CONTACT_FIELDS = ["id", "name", "email", "role"]


def _view(supplier: Supplier, contacts: list[SupplierContact]) -> dict[str, Any]:
    view = record_of(supplier, SUPPLIER_FIELDS)
    view["contacts"] = [record_of(c, CONTACT_FIELDS) for c in contacts]
    return view


def add_supplier(
    ctx: Context,
    *,
    name: str,
    email: str,
    country: str | None = None,
    identifiers: list[str] | None = None,
    contact_name: str | None = None,
) -> dict[str, Any]:
    """Register a supplier with its compliance contact (who receives reminders)."""
    name = validate.text(name, field="supplier_name", max_length=300)
    address = validate.email(email, field="email")
    country = validate.country(country, field="country")
    ids = [validate.text(i, field="identifiers", max_length=100) for i in identifiers or []]
    with write_session(ctx.engine) as session:
        supplier = Supplier(name=name, country=country, identifiers=ids, created_at=ctx.now)
        session.add(supplier)
        session.flush()
        assert supplier.id is not None
        contact = SupplierContact(
            supplier_id=supplier.id,
            email=address,
            role=ContactRole.COMPLIANCE.value,
            name=contact_name,
        )
        session.add(contact)
        session.flush()
        view = _view(supplier, [contact])
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="supplier",
            entity_id=supplier.id,
            action="created",
            after=view,
        )
    return view


def add_contact(
    ctx: Context, supplier_id: int, *, email: str, role: str, name: str | None = None
) -> dict[str, Any]:
    address = validate.email(email, field="email")
    try:
        role_value = ContactRole(role).value
    except ValueError:
        allowed = ", ".join(r.value for r in ContactRole)
        raise BadInput(f"--role: {role!r} is not one of {allowed}") from None
    with write_session(ctx.engine) as session:
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise NotFound(f"SUPPLIER_ID: no supplier with id {supplier_id}")
        exists = session.execute(
            select(col(SupplierContact.id)).where(
                col(SupplierContact.supplier_id) == supplier_id,
                col(SupplierContact.email) == address,
                col(SupplierContact.role) == role_value,
            )
        ).first()
        if exists:
            raise BadInput(f"--email: {address} is already the {role_value} contact")
        contact = SupplierContact(
            supplier_id=supplier_id, email=address, role=role_value, name=name
        )
        session.add(contact)
        session.flush()
        view = record_of(contact, CONTACT_FIELDS)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="supplier",
            entity_id=supplier_id,
            action="contact_added",
            after=view,
        )
    return view


def list_suppliers(ctx: Context) -> list[dict[str, Any]]:
    with read_session(ctx.engine) as session:
        contracts = (
            select(col(Contract.supplier_id), func.count().label("n"))
            .group_by(col(Contract.supplier_id))
            .subquery()
        )
        rows = session.execute(
            select(Supplier, func.coalesce(contracts.c.n, 0))
            .outerjoin(contracts, contracts.c.supplier_id == col(Supplier.id))
            .order_by(col(Supplier.name), col(Supplier.id))
        ).all()
        return [{**record_of(s, ["id", "name", "country"]), "contracts": n} for s, n in rows]


def get_supplier(ctx: Context, supplier_id: int) -> dict[str, Any]:
    with read_session(ctx.engine) as session:
        supplier = session.get(Supplier, supplier_id)
        if supplier is None:
            raise NotFound(f"SUPPLIER_ID: no supplier with id {supplier_id}")
        contacts = list(
            session.scalars(
                select(SupplierContact)
                .where(col(SupplierContact.supplier_id) == supplier_id)
                .order_by(col(SupplierContact.role), col(SupplierContact.id))
            )
        )
        view = _view(supplier, contacts)
        view["contracts"] = list(
            session.scalars(
                select(col(Contract.reference))
                .where(col(Contract.supplier_id) == supplier_id)
                .order_by(col(Contract.reference))
            )
        )
        return view
