"""What a supplier contact sees through a link: one contract, its open obligations, what is
accepted as evidence and what was already sent. Nothing about other contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.db import read_session
from tracker.domain.schedule import local_today
from tracker.domain.status import CLOSED, ObligationStatus
from tracker.library.schema import ClauseFile, Confidentiality
from tracker.models import (
    ClauseVersion,
    Contract,
    ContractClause,
    Evidence,
    Obligation,
    PortalLink,
    Supplier,
    SupplierContact,
)
from tracker.portal.links import LinkState, resolve

# Coming-up obligations further out than this are not listed yet.
AHEAD = timedelta(days=120)
SHOWN = 200


class LinkRefused(Exception):
    """The token opens nothing (unknown) or no longer works (expired, revoked)."""

    def __init__(self, state: LinkState, *, can_renew: bool = False) -> None:
        super().__init__(state.value)
        self.state = state
        self.can_renew = can_renew


@dataclass(frozen=True)
class EvidenceAsk:
    id: str
    label: str
    description: str
    formats: list[str]
    required_fields: list[str]
    has_validity: bool


@dataclass(frozen=True)
class Sent:
    """Something already submitted, as the supplier may see it."""

    id: int
    name: str
    type: str
    submitted_on: date
    status: str
    reason: str | None
    resubmit_by: date | None
    restricted: bool
    sha256: str | None


@dataclass(frozen=True)
class PortalObligation:
    id: int
    title: str
    clause_title: str
    clause_text: str
    description: str
    due_on: date
    status: str
    open: bool
    asks: list[EvidenceAsk]
    sent: list[Sent]


@dataclass(frozen=True)
class PortalPage:
    buyer: str
    supplier: str
    contract_reference: str
    contract_title: str
    timezone: str
    contact_email: str
    language: str | None
    today: date
    expires_at: datetime
    manager_email: str | None
    obligations: list[PortalObligation]


@dataclass(frozen=True)
class Holder:
    """A live link with who holds it, loaded in the caller's session."""

    link: PortalLink
    contact: SupplierContact
    contract: Contract

    @property
    def actor(self) -> str:
        return f"supplier:{self.contact.email}"


def hold_link(session: Session, token: str, *, now: datetime) -> Holder:
    """The live link of `token`, or LinkRefused saying why not."""
    found = resolve(session, token, now=now)
    if found.state is not LinkState.LIVE or found.link is None:
        contact = session.get(SupplierContact, found.link.contact_id) if found.link else None
        renew = contact is not None and contact.removed_at is None
        raise LinkRefused(found.state, can_renew=renew)
    contact = session.get(SupplierContact, found.link.contact_id)
    contract = session.get(Contract, found.link.contract_id)
    assert contact is not None
    assert contract is not None
    return Holder(found.link, contact, contract)


def refused_language(ctx: Context, token: str) -> str | None:
    """The language of a link's contact, for the page telling that the link does not work."""
    with read_session(ctx.engine) as session:
        found = resolve(session, token, now=ctx.now)
        if found.link is None:
            return None
        contact = session.get(SupplierContact, found.link.contact_id)
        return contact.language if contact else None


def sent_view(row: Evidence) -> Sent:
    assert row.id is not None
    restricted = row.confidentiality == Confidentiality.RESTRICTED
    return Sent(
        id=row.id,
        name=row.filename or row.url or row.evidence_type,
        type=row.evidence_type,
        submitted_on=row.submitted_on,
        status=row.status,
        reason=None if restricted else row.review_reason,
        resubmit_by=row.resubmit_by,
        restricted=restricted,
        sha256=None if restricted else row.sha256,
    )


def _asks(clause: ClauseFile, template_evidence: list[str]) -> list[EvidenceAsk]:
    wanted = template_evidence or [e.id for e in clause.evidence_types]
    asks = []
    for type_id in wanted:
        kind = clause.evidence_type(type_id)
        if kind is None:
            continue
        asks.append(
            EvidenceAsk(
                id=kind.id,
                label=kind.label,
                description=kind.description,
                formats=list(kind.accepted_formats),
                required_fields=list(kind.required_fields),
                has_validity=kind.has_validity,
            )
        )
    return asks


def _page(session: Session, held: Holder, *, now: datetime) -> PortalPage:
    contract = held.contract
    today = local_today(now, contract.timezone)
    with_evidence = select(col(Evidence.obligation_id)).where(
        col(Evidence.contract_id) == contract.id
    )
    stmt: Any = (
        select(Obligation, col(ContractClause.clause_version_id))
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .where(
            col(Obligation.contract_id) == contract.id,
            or_(
                col(Obligation.id).in_(with_evidence),
                col(Obligation.status).in_(
                    [
                        ObligationStatus.DUE.value,
                        ObligationStatus.OVERDUE.value,
                        ObligationStatus.REJECTED.value,
                        ObligationStatus.SUBMITTED.value,
                    ]
                ),
                (col(Obligation.status) == ObligationStatus.UPCOMING.value)
                & (col(Obligation.due_on) <= today + AHEAD),
            ),
            col(Obligation.status) != ObligationStatus.SUPERSEDED.value,
        )
        .order_by(col(Obligation.due_on), col(Obligation.id))
        .limit(SHOWN)
    )
    rows = list(session.execute(stmt))
    ids = [o.id for o, _ in rows]
    evidence: dict[int, list[Sent]] = {}
    for row in session.scalars(
        select(Evidence)
        .where(col(Evidence.obligation_id).in_(ids), col(Evidence.contract_id) == contract.id)
        .order_by(col(Evidence.id))
    ):
        evidence.setdefault(row.obligation_id, []).append(sent_view(row))
    clauses: dict[int, ClauseFile] = {}
    shown: list[PortalObligation] = []
    for obligation, version_id in rows:
        if version_id not in clauses:
            version = session.get(ClauseVersion, version_id)
            assert version is not None
            clauses[version_id] = ClauseFile.model_validate(version.body)
        clause = clauses[version_id]
        template = clause.obligation(obligation.template_id)
        assert obligation.id is not None
        shown.append(
            PortalObligation(
                id=obligation.id,
                title=obligation.title,
                clause_title=clause.title,
                clause_text=clause.clause_text.strip(),
                description=template.description.strip(),
                due_on=obligation.due_on,
                status=obligation.status,
                open=obligation.status not in CLOSED,
                asks=_asks(clause, template.evidence),
                sent=evidence.get(obligation.id, []),
            )
        )
    supplier = session.get(Supplier, contract.supplier_id)
    return PortalPage(
        buyer=contract.buyer or "",
        supplier=supplier.name if supplier else "",
        contract_reference=contract.reference,
        contract_title=contract.title,
        timezone=contract.timezone,
        contact_email=held.contact.email,
        language=held.contact.language,
        today=today,
        expires_at=held.link.expires_at,
        manager_email=contract.manager_email,
        obligations=shown,
    )


def supplier_view(ctx: Context, token: str) -> PortalPage:
    """The supplier's page. Reads only: a mail scanner opening the link changes nothing."""
    with read_session(ctx.engine) as session:
        return _page(session, hold_link(session, token, now=ctx.now), now=ctx.now)
