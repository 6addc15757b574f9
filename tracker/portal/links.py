"""Portal links: minted, reused, revoked and resolved.

A link's token is a secret of 256 bits; the database keeps only its SHA-256. With
TRACKER_SECRET_KEY set, the token is an HMAC of a random per-link nonce under that key,
so the relay can put the contact's live link into every new email without storing the
token anywhere (a copy of the database, outbox included, opens nothing). Without the key,
each email gets a link of its own (the older ones keep working until they expire).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput
from tracker.models import Contract, PortalLink, PortalUse, SupplierContact
from tracker.people.secret_tokens import digest, new_token

NONCE_BYTES = 16


class LinkState(StrEnum):
    LIVE = "live"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Resolved:
    """What a token in an address leads to; `link` is None for an unknown token."""

    state: LinkState
    link: PortalLink | None = None


def _derived(secret: str, nonce: str) -> str:
    mac = hmac.new(secret.encode(), f"portal-link:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def expiry_after(latest_due: date, days: int) -> datetime:
    """Midnight UTC after the day `days` past the latest due date: never earlier than the
    end of that day in any timezone."""
    return datetime.combine(latest_due + timedelta(days=days + 1), time(0), tzinfo=UTC)


def _live(session: Session, contact_id: int, contract_id: int, now: datetime) -> Any:
    return session.scalars(
        select(PortalLink)
        .where(
            col(PortalLink.contact_id) == contact_id,
            col(PortalLink.contract_id) == contract_id,
            col(PortalLink.revoked_at).is_(None),
            col(PortalLink.expires_at) > now,
            col(PortalLink.nonce).is_not(None),
        )
        .order_by(col(PortalLink.id).desc())
    ).first()


def issue_link(
    session: Session,
    *,
    contact_id: int,
    contract_id: int,
    until: datetime,
    now: datetime,
    secret: str | None,
) -> str:
    """The token of the contact's live link for the contract (extended to `until` if it
    ended sooner), or of a new one; in the caller's transaction."""
    if secret is not None:
        link = _live(session, contact_id, contract_id, now)
        if link is not None and link.nonce is not None:
            if link.expires_at < until:
                link.expires_at = until
                session.add(link)
            return _derived(secret, link.nonce)
    nonce = secrets.token_hex(NONCE_BYTES) if secret is not None else None
    token = _derived(secret, nonce) if secret is not None and nonce is not None else new_token()
    session.add(
        PortalLink(
            contact_id=contact_id,
            contract_id=contract_id,
            token_sha256=digest(token),
            nonce=nonce,
            created_at=now,
            expires_at=until,
        )
    )
    session.flush()
    return token


def resolve(session: Session, token: str, *, now: datetime) -> Resolved:
    """The link a token opens, and whether it still works. Never raises for a bad token."""
    if not token or len(token) > 100:
        return Resolved(LinkState.UNKNOWN)
    link = session.scalars(
        select(PortalLink).where(col(PortalLink.token_sha256) == digest(token))
    ).first()
    if link is None:
        return Resolved(LinkState.UNKNOWN)
    contact = session.get(SupplierContact, link.contact_id)
    if link.revoked_at is not None or contact is None or contact.removed_at is not None:
        return Resolved(LinkState.REVOKED, link)
    if link.expires_at <= now:
        return Resolved(LinkState.EXPIRED, link)
    return Resolved(LinkState.LIVE, link)


def revoke_for_contact(session: Session, contact_id: int, *, now: datetime, why: str) -> int:
    """Revoke every live link of a contact (removed, or its address replaced)."""
    result: Any = session.execute(
        update(PortalLink)
        .where(col(PortalLink.contact_id) == contact_id, col(PortalLink.revoked_at).is_(None))
        .values(revoked_at=now, revoked_because=why)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class LinkRow:
    """One link as the contract manager sees it (never the token)."""

    id: int
    contract: str
    contact: str
    state: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_because: str | None
    uses: int
    last_used_at: datetime | None


def list_links(ctx: Context, contract: str) -> list[LinkRow]:
    """Every portal link of a contract, newest first, with how often it was used."""
    with read_session(ctx.engine) as session:
        found = session.scalars(
            select(col(Contract.id)).where(col(Contract.reference) == contract)
        ).first()
        if found is None:
            raise BadInput(f"no contract {contract!r}", field="contract")
        uses = (
            select(
                col(PortalUse.link_id),
                func.count().label("n"),
                func.max(col(PortalUse.at)).label("last"),
            )
            .group_by(col(PortalUse.link_id))
            .subquery()
        )
        rows = session.execute(
            select(PortalLink, col(SupplierContact.email), col(SupplierContact.removed_at))
            .add_columns(uses.c.n, uses.c.last)
            .join(SupplierContact, col(SupplierContact.id) == col(PortalLink.contact_id))
            .outerjoin(uses, uses.c.link_id == col(PortalLink.id))
            .where(col(PortalLink.contract_id) == found)
            .order_by(col(PortalLink.id).desc())
        ).all()
    result: list[LinkRow] = []
    for link, email, removed, n, last in rows:
        assert link.id is not None
        if link.revoked_at is not None or removed is not None:
            state = LinkState.REVOKED
        elif link.expires_at <= ctx.now:
            state = LinkState.EXPIRED
        else:
            state = LinkState.LIVE
        result.append(
            LinkRow(
                id=link.id,
                contract=contract,
                contact=email,
                state=state.value,
                created_at=link.created_at,
                expires_at=link.expires_at,
                revoked_at=link.revoked_at,
                revoked_because=link.revoked_because,
                uses=int(n or 0),
                last_used_at=last,
            )
        )
    return result


def revoke_link(ctx: Context, link_id: int) -> LinkRow:
    """Stop a link working now; the next email to the contact carries a new one."""
    with write_session(ctx.engine) as session:
        link = session.get(PortalLink, link_id)
        if link is None:
            raise BadInput(f"no portal link {link_id}", field="link_id")
        if link.revoked_at is not None:
            raise BadInput(f"portal link {link_id} is already revoked", field="link_id")
        link.revoked_at = ctx.now
        link.revoked_because = "revoked by the contract manager"
        session.add(link)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="portal_link",
            entity_id=link_id,
            contract_id=link.contract_id,
            action="revoked",
            before={"revoked_at": None},
            after={"revoked_at": ctx.now.isoformat(), "contact_id": link.contact_id},
        )
        contract = session.get(Contract, link.contract_id)
        assert contract is not None
        reference = contract.reference
    [row] = [r for r in list_links(ctx, reference) if r.id == link_id]
    return row
