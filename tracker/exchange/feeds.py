"""Calendar subscription addresses: created, listed, revoked, and opened by their token.

Same rules as the portal links: the token is a 256-bit random secret shown once, the
database keeps only its SHA-256, and revoking it stops it at once. An address serves one
manager's contracts, what one supplier contact's company owes, or one contract; a feed
whose contact was removed stops working like a revoked one. Opening a feed writes nothing:
calendar apps and link scanners fetch it as often as they like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput, NotFound
from tracker.exchange.ics import CalendarFeed, calendar_feed
from tracker.exchange.scope import Scope
from tracker.models import CalendarFeedToken, Contract, SupplierContact
from tracker.people.secret_tokens import digest, new_token

MAX_TOKEN_LENGTH = 100


class FeedKind(StrEnum):
    MANAGER = "manager"
    CONTACT = "contact"
    CONTRACT = "contract"


@dataclass(frozen=True, slots=True)
class FeedRow:
    """A feed as its owner sees it (never the token)."""

    id: int
    kind: str
    covers: str
    created_at: datetime
    created_by: str
    state: str  # live | revoked
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed just created: the address holds the token, shown this once."""

    id: int
    kind: str
    covers: str
    url: str


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/ics/{token}.ics"


def add_feed(
    ctx: Context,
    *,
    manager_email: str | None = None,
    contact_id: int | None = None,
    contract: str | None = None,
) -> NewFeed:
    """A new feed for exactly one of a manager, a supplier contact or a contract."""
    given = [v for v in (manager_email, contact_id, contract) if v is not None]
    if len(given) != 1:
        raise BadInput(
            "give exactly one of a manager, a supplier contact or a contract",
            field="manager_email",
        )
    token = new_token()
    with write_session(ctx.engine) as session:
        row = CalendarFeedToken(
            token_sha256=digest(token), kind="", created_at=ctx.now, created_by=ctx.actor
        )
        if manager_email is not None:
            row.kind = FeedKind.MANAGER
            row.manager_email = validate.email(manager_email, field="manager_email").lower()
        elif contact_id is not None:
            contact = session.get(SupplierContact, contact_id)
            if contact is None or contact.removed_at is not None:
                raise NotFound(f"no current supplier contact {contact_id}", field="contact")
            row.kind, row.contact_id = FeedKind.CONTACT, contact_id
        else:
            assert contract is not None
            found = session.scalars(
                select(col(Contract.id)).where(col(Contract.reference) == contract)
            ).first()
            if found is None:
                raise NotFound(f"no contract {contract!r}", field="contract")
            row.kind, row.contract_id = FeedKind.CONTRACT, found
        session.add(row)
        session.flush()
        assert row.id is not None
        covers = _covers(session, row)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="calendar_feed",
            entity_id=row.id,
            contract_id=row.contract_id,
            action="created",
            before=None,
            after={"kind": row.kind, "covers": covers},
        )
        return NewFeed(
            id=row.id, kind=row.kind, covers=covers, url=feed_url(ctx.settings.base_url, token)
        )


def list_feeds(ctx: Context, *, created_by: str | None = None) -> list[FeedRow]:
    """Every feed, or those one person created; newest first."""
    with read_session(ctx.engine) as session:
        stmt = select(CalendarFeedToken).order_by(col(CalendarFeedToken.id).desc())
        if created_by is not None:
            stmt = stmt.where(col(CalendarFeedToken.created_by) == created_by)
        return [_row(session, feed) for feed in session.scalars(stmt)]


def revoke_feed(ctx: Context, feed_id: int, *, created_by: str | None = None) -> FeedRow:
    """Stop a feed now. With `created_by`, only a feed that person created (others' feeds
    are answered as unknown, so ids reveal nothing)."""
    with write_session(ctx.engine) as session:
        feed = session.get(CalendarFeedToken, feed_id)
        if feed is None or (created_by is not None and feed.created_by != created_by):
            raise NotFound(f"no calendar feed {feed_id}", field="feed_id")
        if feed.revoked_at is not None:
            raise BadInput(f"calendar feed {feed_id} is already revoked", field="feed_id")
        feed.revoked_at = ctx.now
        session.add(feed)
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="calendar_feed",
            entity_id=feed_id,
            contract_id=feed.contract_id,
            action="revoked",
            before={"revoked_at": None},
            after={"revoked_at": ctx.now.isoformat()},
        )
        session.flush()
        return _row(session, feed)


def open_feed(ctx: Context, token: str) -> CalendarFeed | None:
    """The calendar behind a token; None for a token that is unknown, revoked or whose
    contact or contract is gone (the caller answers all of these alike)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    with read_session(ctx.engine) as session:
        feed = session.scalars(
            select(CalendarFeedToken).where(col(CalendarFeedToken.token_sha256) == digest(token))
        ).first()
        if feed is None or feed.revoked_at is not None:
            return None
        scope = _scope(session, feed)
        if scope is None:
            return None
        title = _covers(session, feed)
    return calendar_feed(ctx, scope, title=title, for_supplier=feed.kind == FeedKind.CONTACT)


def _scope(session: Session, feed: CalendarFeedToken) -> Scope | None:
    if feed.kind == FeedKind.MANAGER and feed.manager_email:
        return Scope(manager_email=feed.manager_email)
    if feed.kind == FeedKind.CONTACT and feed.contact_id is not None:
        contact = session.get(SupplierContact, feed.contact_id)
        if contact is None or contact.removed_at is not None:
            return None
        return Scope(supplier_id=contact.supplier_id)
    if feed.kind == FeedKind.CONTRACT and feed.contract_id is not None:
        contract = session.get(Contract, feed.contract_id)
        return None if contract is None else Scope(contract=contract.reference)
    return None


def _covers(session: Session, feed: CalendarFeedToken) -> str:
    if feed.kind == FeedKind.MANAGER:
        return f"contracts managed by {feed.manager_email}"
    if feed.kind == FeedKind.CONTACT and feed.contact_id is not None:
        contact = session.get(SupplierContact, feed.contact_id)
        return f"what {contact.email if contact else 'a removed contact'} owes"
    contract = session.get(Contract, feed.contract_id) if feed.contract_id else None
    return f"contract {contract.reference if contract else '(deleted)'}"


def _row(session: Session, feed: CalendarFeedToken) -> FeedRow:
    assert feed.id is not None
    live = feed.revoked_at is None and _scope(session, feed) is not None
    return FeedRow(
        id=feed.id,
        kind=feed.kind,
        covers=_covers(session, feed),
        created_at=feed.created_at,
        created_by=feed.created_by,
        state="live" if live else "revoked",
        revoked_at=feed.revoked_at,
    )
