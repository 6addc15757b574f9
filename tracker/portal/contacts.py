"""A supplier contact's preferred language for portal pages and portal emails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import write_session
from tracker.errors import BadInput
from tracker.models import Contract, Reminder, SupplierContact
from tracker.portal.language import LANGUAGES


@dataclass(frozen=True)
class ContactLanguage:
    contact_id: int
    email: str
    language: str


def set_contact_language(ctx: Context, contact_id: int, language: str) -> ContactLanguage:
    code = language.strip().lower()
    if code not in LANGUAGES:
        known = ", ".join(f"{k} ({v})" for k, v in sorted(LANGUAGES.items()))
        raise BadInput(
            f"{language!r} is not a portal language; use one of {known}", field="language"
        )
    with write_session(ctx.engine) as session:
        contact = session.get(SupplierContact, contact_id)
        if contact is None or contact.removed_at is not None:
            raise BadInput(f"no current contact {contact_id}", field="contact_id")
        before = contact.language
        contact.language = code
        session.add(contact)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="supplier",
            entity_id=contact.supplier_id,
            action="contact_language",
            before={"contact_id": contact_id, "language": before},
            after={"contact_id": contact_id, "language": code},
        )
        return ContactLanguage(contact_id, contact.email, code)


def recipient_language() -> Any:
    """A column for queries over reminder rows: the language of the supplier contact the
    row is addressed to (NULL for a contract manager, or a contact who chose none). One
    address holding two roles of a supplier is one reader: the language set on either."""
    return (
        select(func.min(col(SupplierContact.language)))
        .where(
            col(SupplierContact.supplier_id) == col(Contract.supplier_id),
            col(SupplierContact.email) == col(Reminder.recipient),
            col(SupplierContact.removed_at).is_(None),
        )
        .correlate(Contract, Reminder)
        .scalar_subquery()
        .label("language")
    )
