"""Evidence sent through a portal link, its receipt, and asking for a fresh link.

The upload goes through the same use case as the CLI and the web app (`add_evidence`),
acting as the contact; every action is a row in `portal_use` (time, address, browser), so
limits count rows and the contract manager can see who did what.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput
from tracker.evidence.submission import Submission, add_evidence
from tracker.mail.message import domain_of, new_message_id, render_bytes
from tracker.models import (
    Contract,
    Evidence,
    Obligation,
    OutboxMessage,
    PortalUse,
    SupplierContact,
)
from tracker.portal.language import long_moment, translator
from tracker.portal.links import LinkState, resolve
from tracker.portal.mailing import mark, placeholder_url
from tracker.portal.view import Holder, LinkRefused, hold_link
from tracker.rendering import render

HOUR = timedelta(hours=1)
UPLOADS_PER_LINK_HOUR = 30
UPLOADS_PER_IP_HOUR = 60
UPLOADS_PER_OBLIGATION_DAY = 10
NEW_LINKS_PER_LINK_HOUR = 3
NEW_LINKS_PER_IP_HOUR = 10


class TooMany(Exception):
    """A portal limit was reached; `what` says which, for the page."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass(frozen=True)
class Visitor:
    ip: str
    user_agent: str


@dataclass(frozen=True)
class PortalUpload:
    obligation_id: int
    evidence_type: str
    declared: bool
    file: Path | None = None
    filename: str | None = None
    url: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class ReceiptLine:
    evidence_id: int
    name: str
    sha256: str | None
    size_bytes: int | None


@dataclass(frozen=True)
class Receipt:
    contract_reference: str
    obligation_title: str
    submitted_at: datetime
    submitted_by: str
    lines: list[ReceiptLine]
    timezone: str = "UTC"  # the contract's: the receipt tells the time on its clock


def _count(session: Session, *conditions: object) -> int:
    stmt = select(func.count()).select_from(PortalUse).where(*conditions)  # type: ignore[arg-type]
    return int(session.execute(stmt).scalar_one())


def _use(
    session: Session,
    held: Holder,
    visitor: Visitor,
    *,
    now: datetime,
    action: str,
    obligation_id: int | None = None,
) -> None:
    assert held.link.id is not None
    session.add(
        PortalUse(
            link_id=held.link.id,
            at=now,
            action=action,
            ip=visitor.ip[:64],
            user_agent=visitor.user_agent[:300],
            obligation_id=obligation_id,
        )
    )


def _check_upload(
    session: Session, held: Holder, up: PortalUpload, visitor: Visitor, now: datetime
) -> None:
    obligation = session.get(Obligation, up.obligation_id)
    if obligation is None or obligation.contract_id != held.contract.id:
        # The same words whether it exists elsewhere or not at all.
        raise BadInput("this contract has no such obligation", field="obligation_id")
    uploads = ["upload", "upload_refused"]
    if (
        _count(
            session,
            col(PortalUse.link_id) == held.link.id,
            col(PortalUse.action).in_(uploads),
            col(PortalUse.at) > now - HOUR,
        )
        >= UPLOADS_PER_LINK_HOUR
        or _count(
            session,
            col(PortalUse.ip) == visitor.ip,
            col(PortalUse.action).in_(uploads),
            col(PortalUse.at) > now - HOUR,
        )
        >= UPLOADS_PER_IP_HOUR
    ):
        raise TooMany("uploads")
    if (
        _count(
            session,
            col(PortalUse.obligation_id) == up.obligation_id,
            col(PortalUse.action) == "upload",
            col(PortalUse.at) > now - timedelta(days=1),
        )
        >= UPLOADS_PER_OBLIGATION_DAY
    ):
        raise TooMany("obligation")


def submit_through_link(ctx: Context, token: str, up: PortalUpload, visitor: Visitor) -> Receipt:
    """Check the link and the limits, store the evidence as the contact, record the use
    and queue the receipt email. BadInput says what to fix; nothing is stored then."""
    with write_session(ctx.engine) as session:
        held = hold_link(session, token, now=ctx.now)
        _check_upload(session, held, up, visitor, ctx.now)
        contact_email, language = held.contact.email, held.contact.language
        reference = held.contract.reference
    try:
        if not up.declared:
            _ = translator(language)
            raise BadInput(
                _("Confirm that what you send is true and complete."), field="declaration"
            )
        sub = Submission(
            evidence_type=up.evidence_type,
            url=up.url,
            name=up.filename if up.file is not None else None,
            fields=up.fields,
            valid_from=up.valid_from,
            valid_until=up.valid_until,
            note=up.note,
            by=held.actor,
        )
        if up.file is not None:
            sub = replace(sub, files=[up.file])
        acting = Context(settings=ctx.settings, engine=ctx.engine, now=ctx.now, actor=held.actor)
        made = add_evidence(acting, up.obligation_id, sub)
    except BadInput:
        with write_session(ctx.engine) as session:
            _use(
                session,
                held,
                visitor,
                now=ctx.now,
                action="upload_refused",
                obligation_id=up.obligation_id,
            )
        raise
    with write_session(ctx.engine) as session:
        _use(session, held, visitor, now=ctx.now, action="upload", obligation_id=up.obligation_id)
        obligation = session.get(Obligation, up.obligation_id)
        assert obligation is not None
        receipt = Receipt(
            contract_reference=reference,
            obligation_title=obligation.title,
            submitted_at=ctx.now,
            submitted_by=contact_email,
            lines=[ReceiptLine(m.id, m.file or m.url or "", m.sha256, m.size_bytes) for m in made],
            timezone=held.contract.timezone,
        )
        session.add(
            _receipt_mail(
                ctx, receipt, to=contact_email, language=language, contract_id=held.contract.id
            )
        )
    return receipt


def _receipt_mail(
    ctx: Context, receipt: Receipt, *, to: str, language: str | None, contract_id: int | None
) -> OutboxMessage:
    _ = translator(language)
    ids = "-".join(str(line.evidence_id) for line in receipt.lines)
    group_key = f"portal-receipt:{ids}"
    sender = ctx.settings.mail_from
    message_id = new_message_id(group_key, domain_of(parseaddr(sender)[1]))
    subject = _(
        "[%(reference)s] Receipt: we received your evidence", reference=receipt.contract_reference
    )
    when = long_moment(receipt.submitted_at, receipt.timezone, language)
    context = {"_": _, "receipt": receipt, "subject": subject, "when": when}
    raw = render_bytes(
        message_id=message_id,
        sender=sender,
        to=[to],
        subject=subject,
        text=render("web/portal/receipt_mail.txt", **context),
        html=None,
        now=ctx.now,
    )
    return OutboxMessage(
        group_key=group_key,
        message_id=message_id,
        kind="portal_receipt",
        contract_id=contract_id,
        sender=parseaddr(sender)[1],
        recipients=[to],
        pending_recipients=[to],
        subject=subject,
        raw=raw,
        next_attempt_at=ctx.now,
        created_at=ctx.now,
    )


def show_receipt(ctx: Context, token: str, evidence_id: int) -> Receipt:
    """The receipt of one submission made through this link's contact, on its contract."""
    with read_session(ctx.engine) as session:
        held = hold_link(session, token, now=ctx.now)
        row = session.get(Evidence, evidence_id)
        if row is None or row.contract_id != held.contract.id or row.submitted_by != held.actor:
            raise BadInput("there is no such receipt for this link", field="evidence_id")
        obligation = session.get(Obligation, row.obligation_id)
        assert obligation is not None
        assert row.id is not None
        return Receipt(
            contract_reference=held.contract.reference,
            obligation_title=obligation.title,
            submitted_at=row.submitted_at,
            submitted_by=held.contact.email,
            lines=[ReceiptLine(row.id, row.filename or row.url or "", row.sha256, row.size_bytes)],
            timezone=held.contract.timezone,
        )


def request_new_link(ctx: Context, token: str, visitor: Visitor) -> str:
    """Email a fresh link to the same address (never another); returns that address's
    language. Only for a link that expired or was revoked, of a contact still current."""
    with write_session(ctx.engine) as session:
        found = resolve(session, token, now=ctx.now)
        if found.link is None:
            raise LinkRefused(LinkState.UNKNOWN)
        if found.state is LinkState.LIVE:
            raise BadInput("this link still works", field="token")
        contact = session.get(SupplierContact, found.link.contact_id)
        contract = session.get(Contract, found.link.contract_id)
        if contact is None or contact.removed_at is not None or contract is None:
            raise LinkRefused(found.state, can_renew=False)
        held = Holder(found.link, contact, contract)
        if (
            _count(
                session,
                col(PortalUse.link_id) == found.link.id,
                col(PortalUse.action) == "new_link",
                col(PortalUse.at) > ctx.now - HOUR,
            )
            >= NEW_LINKS_PER_LINK_HOUR
            or _count(
                session,
                col(PortalUse.ip) == visitor.ip,
                col(PortalUse.action) == "new_link",
                col(PortalUse.at) > ctx.now - HOUR,
            )
            >= NEW_LINKS_PER_IP_HOUR
        ):
            raise TooMany("new_link")
        _use(session, held, visitor, now=ctx.now, action="new_link")
        latest = session.execute(
            select(func.max(col(Obligation.due_on))).where(
                col(Obligation.contract_id) == contract.id,
                col(Obligation.status).not_in(
                    ["accepted", "waived", "not_applicable", "superseded"]
                ),
            )
        ).scalar_one()
        today = ctx.now.date()
        until = max(latest or today, today)
        _ = translator(contact.language)
        n = _count(
            session, col(PortalUse.link_id) == found.link.id, col(PortalUse.action) == "new_link"
        )
        group_key = f"portal-new-link:{found.link.id}:{n}:{ctx.now.isoformat()}"
        sender = ctx.settings.mail_from
        message_id = new_message_id(group_key, domain_of(parseaddr(sender)[1]))
        subject = _("[%(reference)s] Your new link", reference=contract.reference)
        context = {
            "_": _,
            "subject": subject,
            "reference": contract.reference,
            "link": placeholder_url(ctx.settings.base_url, until),
        }
        raw = render_bytes(
            message_id=message_id,
            sender=sender,
            to=[contact.email],
            subject=subject,
            text=render("web/portal/new_link_mail.txt", **context),
            html=None,
            now=ctx.now,
        )
        session.add(
            OutboxMessage(
                group_key=group_key,
                message_id=message_id,
                kind="portal_link",
                contract_id=contract.id,
                sender=parseaddr(sender)[1],
                recipients=[contact.email],
                pending_recipients=[contact.email],
                subject=subject,
                raw=mark(raw, until),
                next_attempt_at=ctx.now,
                created_at=ctx.now,
            )
        )
        return contact.language or "en"
