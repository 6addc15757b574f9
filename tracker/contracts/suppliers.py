"""Suppliers and their contacts (compliance, account, escalation): register, edit, remove."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.contracts.results import (
    ContactPublic,
    RemovedContact,
    SupplierDetail,
    SupplierPublic,
    SupplierSummary,
    audit_view,
)
from tracker.db import read_session, write_session
from tracker.errors import BadInput, NotFound
from tracker.models import ContactRole, Contract, Supplier, SupplierContact
from tracker.portal.links import revoke_for_contact


def _role(role: str) -> str:
    try:
        return ContactRole(role.strip().lower()).value
    except ValueError:
        allowed = ", ".join(r.value for r in ContactRole)
        raise BadInput(f"{role!r} is not one of {allowed}", field="role") from None


def _contact_name(name: str | None) -> str | None:
    return validate.text(name, field="name", max_length=200) if name is not None else None


def _current_contacts(session: Session, supplier_id: int) -> list[SupplierContact]:
    return list(
        session.scalars(
            select(SupplierContact)
            .where(
                col(SupplierContact.supplier_id) == supplier_id,
                col(SupplierContact.removed_at).is_(None),
            )
            .order_by(col(SupplierContact.role), col(SupplierContact.id))
        )
    )


def _supplier(
    session: Session, supplier_id: int, *, field: str = "supplier", lock: bool = False
) -> Supplier:
    supplier = session.get(Supplier, supplier_id, with_for_update=lock)
    if supplier is None:
        raise NotFound(f"no supplier with id {supplier_id}", field=field)
    return supplier


def find_supplier(
    session: Session, key: int | str, *, field: str = "supplier_id", lock: bool = False
) -> Supplier:
    """A supplier by id, or by its exact name (case ignored) when that names exactly one."""
    text = str(key).strip()
    if text.isdigit():
        return _supplier(session, int(text), field=field, lock=lock)
    found = list(
        session.scalars(
            select(Supplier)
            .where(func.lower(col(Supplier.name)) == text.lower())
            .order_by(col(Supplier.id))
        )
    )
    if not found:
        raise NotFound(
            f"no supplier with id or name {text!r}; `tracker supplier list` shows them",
            field=field,
        )
    if len(found) > 1:
        ids = ", ".join(str(s.id) for s in found)
        raise BadInput(
            f"{len(found)} suppliers are named {text!r}; give the id ({ids})", field=field
        )
    only = found[0].id
    assert only is not None
    return _supplier(session, only, field=field, lock=True) if lock else found[0]


# Suppliers written per transaction by `add_suppliers`.
BATCH = 500


@dataclass(frozen=True, slots=True)
class NewSupplier:
    """One supplier to register; the keywords of `add_supplier`."""

    name: str
    email: str
    country: str | None = None
    identifiers: Sequence[str] = ()
    contact_name: str | None = None


def add_supplier(
    ctx: Context,
    *,
    name: str,
    email: str,
    country: str | None = None,
    identifiers: list[str] | None = None,
    contact_name: str | None = None,
) -> SupplierPublic:
    """Register a supplier with its compliance contact (who receives reminders)."""
    new = NewSupplier(name, email, country, identifiers or (), contact_name)
    (outcome,) = add_suppliers(ctx, [new])
    if isinstance(outcome, BadInput):
        raise outcome
    return outcome


def add_suppliers(
    ctx: Context, suppliers: Sequence[NewSupplier]
) -> list[SupplierPublic | BadInput]:
    """Register many suppliers under the rules of `add_supplier`: for each, in order, the
    supplier registered or why it was refused (one refused stops none of the others).
    `BATCH` suppliers per transaction, each with its own audit event."""
    outcomes: list[SupplierPublic | BadInput | None] = [None] * len(suppliers)
    checked: list[tuple[int, Supplier, SupplierContact]] = []
    for index, new in enumerate(suppliers):
        try:
            checked.append((index, *_checked_supplier(ctx, new)))
        except BadInput as exc:
            outcomes[index] = exc
    for start in range(0, len(checked), BATCH):
        batch = checked[start : start + BATCH]
        with write_session(ctx.engine) as session:
            session.add_all([supplier for _, supplier, _ in batch])
            session.flush()
            for _, supplier, contact in batch:
                assert supplier.id is not None
                contact.supplier_id = supplier.id
            session.add_all([contact for _, _, contact in batch])
            session.flush()
            changes = []
            for index, supplier, contact in batch:
                view = SupplierPublic.of(supplier, [contact])
                outcomes[index] = view
                changes.append(
                    audit.Change("supplier", supplier.id, "created", after=audit_view(view))
                )
            audit.record_many(session, changes, now=ctx.now, actor=ctx.actor)
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(suppliers)
    return done


def _checked_supplier(ctx: Context, new: NewSupplier) -> tuple[Supplier, SupplierContact]:
    """The supplier and its compliance contact as rows to insert, every value checked."""
    name = validate.text(new.name, field="supplier_name", max_length=300)
    address = validate.email(new.email, field="email")
    country = validate.country(new.country, field="country")
    ids = [validate.text(i, field="identifiers", max_length=100) for i in new.identifiers]
    person = (
        validate.text(new.contact_name, field="contact_name", max_length=200)
        if new.contact_name
        else None
    )
    supplier = Supplier(name=name, country=country, identifiers=ids, created_at=ctx.now)
    contact = SupplierContact(
        supplier_id=0,  # set once the supplier has its id
        email=address,
        role=ContactRole.COMPLIANCE.value,
        name=person,
    )
    return supplier, contact


def edit_supplier(
    ctx: Context,
    supplier_id: int | str,
    *,
    name: str | None = None,
    country: str | None = None,
    identifiers: list[str] | None = None,
) -> SupplierPublic:
    """Change a supplier's name, country or identifiers (given identifiers replace the
    list); one audit event with before and after."""
    new_name = (
        validate.text(name, field="supplier_name", max_length=300) if name is not None else None
    )
    new_country = validate.country(country, field="country")
    new_ids = (
        [validate.text(i, field="identifiers", max_length=100) for i in identifiers]
        if identifiers is not None
        else None
    )
    if new_name is None and new_country is None and new_ids is None:
        # No one field is wrong: the request as a whole asks for nothing.
        raise BadInput("nothing to change: give a new name, country or identifiers", field=None)
    with write_session(ctx.engine) as session:
        supplier = find_supplier(session, supplier_id, field="supplier", lock=True)
        assert supplier.id is not None
        contacts = _current_contacts(session, supplier.id)
        before = SupplierPublic.of(supplier, contacts)
        if new_name is not None:
            supplier.name = new_name
        if new_country is not None:
            supplier.country = new_country
        if new_ids is not None:
            supplier.identifiers = new_ids
        session.add(supplier)
        session.flush()
        after = SupplierPublic.of(supplier, contacts)
        if after != before:
            audit.record(
                session,
                now=ctx.now,
                actor=ctx.actor,
                entity="supplier",
                entity_id=supplier.id,
                action="edited",
                before=audit_view(before),
                after=audit_view(after),
            )
    return after


def _check_unique(session: Session, contact: SupplierContact, *, skip: int | None = None) -> None:
    stmt = select(col(SupplierContact.id)).where(
        col(SupplierContact.supplier_id) == contact.supplier_id,
        col(SupplierContact.email) == contact.email,
        col(SupplierContact.role) == contact.role,
    )
    for other in session.scalars(stmt):
        if other != skip:
            raise BadInput(f"{contact.email} is already a {contact.role} contact", field="email")


def add_contact(
    ctx: Context, supplier_id: int | str, *, email: str, role: str, name: str | None = None
) -> ContactPublic:
    """Add a contact; `supplier_id` is the supplier's id or its exact name."""
    address = validate.email(email, field="email")
    role_value = _role(role)
    person = _contact_name(name)
    with write_session(ctx.engine) as session:
        supplier = find_supplier(session, supplier_id, field="supplier")
        assert supplier.id is not None
        supplier_id = supplier.id
        contact = SupplierContact(
            supplier_id=supplier_id, email=address, role=role_value, name=person
        )
        existing = session.scalars(
            select(SupplierContact).where(
                col(SupplierContact.supplier_id) == supplier_id,
                col(SupplierContact.email) == address,
                col(SupplierContact.role) == role_value,
            )
        ).first()
        if existing is not None and existing.removed_at is None:
            raise BadInput(f"{address} is already the {role_value} contact", field="email")
        action = "contact_added"
        if existing is not None:
            # The same person in the same role again: bring the removed contact back, so
            # the one row keeps its whole history (unique per supplier, email and role).
            existing.removed_at = None
            existing.name = person if person is not None else existing.name
            contact = existing
            action = "contact_restored"
        session.add(contact)
        session.flush()
        view = ContactPublic.of(contact)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="supplier",
            entity_id=supplier_id,
            action=action,
            after=audit_view(view),
        )
    return view


def _contact(session: Session, contact_id: int) -> SupplierContact:
    contact = session.get(SupplierContact, contact_id, with_for_update=True)
    if contact is None or contact.removed_at is not None:
        raise NotFound(
            f"no current contact with id {contact_id}; `tracker supplier show` lists them",
            field="contact_id",
        )
    return contact


def _keep_a_compliance_contact(session: Session, leaving: SupplierContact, *, field: str) -> None:
    """Refuse to take away the supplier's last compliance contact, who gets the reminders."""
    if leaving.role != ContactRole.COMPLIANCE.value:
        return
    # Two changes at once must not both take the last one: the supplier row serialises them.
    _supplier(session, leaving.supplier_id, lock=True)
    others = [
        c
        for c in _current_contacts(session, leaving.supplier_id)
        if c.role == ContactRole.COMPLIANCE.value and c.id != leaving.id
    ]
    if not others:
        raise BadInput(
            f"{leaving.email} is the supplier's only compliance contact, who receives the "
            "reminders; add another compliance contact first",
            field=field,
        )


def edit_contact(
    ctx: Context,
    contact_id: int,
    *,
    email: str | None = None,
    role: str | None = None,
    name: str | None = None,
) -> ContactPublic:
    """Change a contact's email, role or name; reminders go to the new details from the
    next sweep on."""
    address = validate.email(email, field="email") if email is not None else None
    role_value = _role(role) if role is not None else None
    person = _contact_name(name)
    if address is None and role_value is None and person is None:
        # No one field is wrong: the request as a whole asks for nothing.
        raise BadInput("nothing to change: give a new email, role or name", field=None)
    with write_session(ctx.engine) as session:
        contact = _contact(session, contact_id)
        before = ContactPublic.of(contact)
        if role_value not in (None, ContactRole.COMPLIANCE.value):
            _keep_a_compliance_contact(session, contact, field="role")
        if address is not None:
            contact.email = address
        if role_value is not None:
            contact.role = role_value
        if person is not None:
            contact.name = person
        if (contact.email, contact.role) != (before.email, before.role):
            _check_unique(session, contact, skip=contact_id)
        if contact.email != before.email:
            # Links sent to the old address must not keep working for whoever reads it.
            revoke_for_contact(session, contact_id, now=ctx.now, why="contact address replaced")
        session.add(contact)
        session.flush()
        after = ContactPublic.of(contact)
        if after != before:
            audit.record(
                session,
                now=ctx.now,
                actor=ctx.actor,
                entity="supplier",
                entity_id=contact.supplier_id,
                action="contact_edited",
                before=audit_view(before),
                after=audit_view(after),
            )
    return after


def remove_contact(ctx: Context, contact_id: int) -> RemovedContact:
    """Stop reminding a contact. The row stays (soft delete), so what was sent to it and
    the audit trail still name it. A supplier keeps at least one compliance contact."""
    with write_session(ctx.engine) as session:
        contact = _contact(session, contact_id)
        _keep_a_compliance_contact(session, contact, field="contact_id")
        before = ContactPublic.of(contact)
        contact.removed_at = ctx.now
        session.add(contact)
        session.flush()
        assert contact.id is not None
        revoke_for_contact(session, contact.id, now=ctx.now, why="contact removed")
        view = RemovedContact(
            id=contact.id,
            supplier_id=contact.supplier_id,
            name=contact.name,
            email=contact.email,
            role=contact.role,
            removed_at=ctx.now,
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="supplier",
            entity_id=contact.supplier_id,
            action="contact_removed",
            before=audit_view(before),
            after=audit_view(view),
        )
    return view


def list_suppliers(ctx: Context) -> list[SupplierSummary]:
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
        return [
            SupplierSummary(id=s.id, name=s.name, country=s.country, contracts=n)
            for s, n in rows
            if s.id is not None
        ]


def get_supplier(ctx: Context, supplier_id: int | str) -> SupplierDetail:
    """A supplier (by id or exact name) with its current contacts and its contracts."""
    with read_session(ctx.engine) as session:
        supplier = find_supplier(session, supplier_id, field="supplier")
        assert supplier.id is not None
        supplier_id = supplier.id
        public = SupplierPublic.of(supplier, _current_contacts(session, supplier_id))
        references = list(
            session.scalars(
                select(col(Contract.reference))
                .where(col(Contract.supplier_id) == supplier_id)
                .order_by(col(Contract.reference))
            )
        )
        return SupplierDetail(
            id=public.id,
            name=public.name,
            country=public.country,
            identifiers=public.identifiers,
            created_at=public.created_at,
            contacts=public.contacts,
            contracts=references,
        )
