"""Portal links in supplier emails: a placeholder in the stored copy, the link at send time.

The composer writes `…/s/PORTAL-LINK-UNTIL-<date>` into the body and puts one header line
in front of the stored message naming that date; the relay, holding the claim, asks
`issue_link` for the contact's live link (or a new one), swaps it in and drops the header
line. The outbox therefore never holds a working token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from email import message_from_bytes
from email.message import EmailMessage

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.config import Settings
from tracker.mail.message import POLICY, as_bytes
from tracker.models import Contract, SupplierContact
from tracker.portal.links import expiry_after, issue_link

HEADER = b"X-Tracker-Portal-Link: until="
_HEADER_LINE = re.compile(rb"X-Tracker-Portal-Link: until=(\d{4}-\d{2}-\d{2})\r\n")
_MARKER = re.compile(r"PORTAL-LINK-UNTIL-\d{4}-\d{2}-\d{2}")
# Where a link cannot be made (the contact was removed meanwhile): a page that says so.
NO_LINK = "no-link"

Filler = Callable[[Session, int | None, tuple[str, ...], bytes], bytes]


def placeholder_url(base_url: str, latest_due: date) -> str:
    return f"{base_url.rstrip('/')}/s/PORTAL-LINK-UNTIL-{latest_due.isoformat()}"


def mark(raw: bytes, latest_due: date) -> bytes:
    """The stored message, flagged for the relay to put the link in."""
    return HEADER + latest_due.isoformat().encode() + b"\r\n" + raw


def _contact_id(session: Session, contract_id: int, email: str) -> int | None:
    found: int | None = session.scalars(
        select(col(SupplierContact.id))
        .join(Contract, col(Contract.supplier_id) == col(SupplierContact.supplier_id))
        .where(
            col(Contract.id) == contract_id,
            col(SupplierContact.email) == email,
            col(SupplierContact.removed_at).is_(None),
        )
        .order_by(col(SupplierContact.id))
    ).first()
    return found


def _replace(raw: bytes, token: str) -> bytes:
    msg = message_from_bytes(raw, _class=EmailMessage, policy=POLICY)
    assert isinstance(msg, EmailMessage)
    for part in msg.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        assert isinstance(part, EmailMessage)
        text = part.get_content()
        if _MARKER.search(text):
            part.set_content(
                _MARKER.sub(token, text),
                subtype=part.get_content_subtype(),
                charset="utf-8",
                cte="base64",
            )
    return as_bytes(msg)


def fill_links(settings: Settings, now: datetime) -> Filler:
    """The relay's hook: the message as it is sent, with the recipient's link in it."""

    def fill(session: Session, contract_id: int | None, to: tuple[str, ...], raw: bytes) -> bytes:
        found = _HEADER_LINE.match(raw)
        if found is None:
            return raw
        body = raw[found.end() :]
        contact = _contact_id(session, contract_id, to[0]) if contract_id and len(to) == 1 else None
        if contact is None or contract_id is None:
            return _replace(body, NO_LINK)
        until = expiry_after(date.fromisoformat(found.group(1).decode()), settings.portal_link_days)
        token = issue_link(
            session,
            contact_id=contact,
            contract_id=contract_id,
            until=until,
            now=now,
            secret=settings.secret_key,
        )
        return _replace(body, token)

    return fill
