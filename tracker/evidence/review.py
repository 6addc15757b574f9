"""Review a piece of evidence: accept it (the obligation is met once every evidence type it
asks for is accepted) or reject it (the supplier is told why and given a new deadline).

Everything a review changes (the evidence, the obligation, a renewal, a closed finding, the
notice to the supplier) is written in one transaction with its audit events.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import write_session
from tracker.domain.schedule import resolve_span
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.evidence.renewals import Renewal, plan_renewals
from tracker.evidence.views import EvidenceView, get_row, public_view
from tracker.findings.register import close_findings
from tracker.library.builtin import TEMPLATE_ID as CAP_TEMPLATE
from tracker.models import Evidence, EvidenceStatus
from tracker.obligations.state import (
    Held,
    hold,
    mark_accepted,
    reopen,
    reschedule_after_rejection,
)
from tracker.reminders.notes import rejection_note
from tracker.reminders.notices import notify_supplier

DEFAULT_RESUBMIT = "P14D"
MAX_REASON = 2000


@dataclass(frozen=True)
class Review:
    accept: bool
    reason: str | None = None
    checked: list[str] = field(default_factory=list)
    resubmit_by: date | None = None
    # A resubmission deadline earlier than the one in force only when the reviewer says so.
    allow_earlier: bool = False
    by: str | None = None


@dataclass(frozen=True)
class ReviewOutcome(EvidenceView):
    """The reviewed evidence and what the review did to its obligation."""

    obligation_status: str = ""
    due_on: date | None = None  # the obligation's deadline in force after a rejection
    renewals: list[Renewal] = field(default_factory=list)
    still_missing: list[str] = field(default_factory=list)
    findings_closed: list[int] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)


def review_evidence(ctx: Context, evidence_id: int, review: Review) -> ReviewOutcome:
    reason = (review.reason or "").strip()
    if not review.accept and not reason:
        raise BadInput("a rejection must say why (the supplier is told)", field="reason")
    if len(reason) > MAX_REASON:
        raise BadInput(f"at most {MAX_REASON} characters", field="reason")
    if review.allow_earlier and (review.accept or review.resubmit_by is None):
        raise BadInput(
            "only with a rejection that gives its resubmission date", field="allow_earlier"
        )
    with write_session(ctx.engine) as session:
        row = get_row(session, evidence_id)
        held = hold(session, row.obligation_id)
        session.refresh(row)  # read again under the obligation's lock
        return decide_review(
            ctx,
            session,
            held,
            row,
            accept=review.accept,
            reason=reason or None,
            checked=review.checked,
            resubmit_by=review.resubmit_by,
            allow_earlier=review.allow_earlier,
            by=review.by or ctx.actor,
        )


def _checklist(held: Held, checked: list[str], *, accept: bool) -> dict[str, bool] | None:
    """The clause's checklist with what the reviewer confirmed (by text or number)."""
    items = held.template.acceptance.checklist
    if not items:
        if checked:
            raise BadInput(f"obligation {held.id} has no checklist", field="check")
        return None
    ticked: set[str] = set()
    for mark in checked:
        text = mark.strip()
        if text.isdigit() and 1 <= int(text) <= len(items):
            ticked.add(items[int(text) - 1])
            continue
        match = [i for i in items if i.casefold() == text.casefold()]
        if not match:
            listed = "; ".join(f"{n}. {i}" for n, i in enumerate(items, 1))
            raise BadInput(f"{mark!r} is not on the checklist ({listed})", field="check")
        ticked.add(match[0])
    result = {item: item in ticked for item in items}
    if accept and held.template.acceptance.mode == "checklist":
        missing = [i for i, ok in result.items() if not ok]
        if missing:
            raise BadInput(
                f"accepting needs every checklist item confirmed; missing: {'; '.join(missing)}",
                field="check",
            )
    return result


def decide_review(
    ctx: Context,
    session: Session,
    held: Held,
    row: Evidence,
    *,
    accept: bool,
    reason: str | None,
    checked: list[str],
    resubmit_by: date | None,
    by: str,
    allow_earlier: bool = False,
) -> ReviewOutcome:
    """Record the decision on `row` (which must be awaiting review) and its consequences."""
    if row.status != EvidenceStatus.SUBMITTED:
        when = row.reviewed_at.date().isoformat() if row.reviewed_at else "earlier"
        raise BadInput(f"evidence {row.id} was already {row.status} ({when})", field="evidence_id")
    if held.obligation.status in (
        ObligationStatus.WAIVED,
        ObligationStatus.NOT_APPLICABLE,
        ObligationStatus.SUPERSEDED,
    ):
        raise BadInput(
            f"obligation {held.id} is {held.obligation.status}; nothing to review",
            field="evidence_id",
        )
    checklist = _checklist(held, checked, accept=accept)
    before = {"status": row.status}
    row.status = (EvidenceStatus.ACCEPTED if accept else EvidenceStatus.REJECTED).value
    row.reviewed_by = by
    row.reviewed_at = ctx.now
    row.review_reason = reason
    row.checklist = checklist
    outcome: dict[str, Any] = {}
    if accept:
        outcome = _accepted(ctx, session, held, row, by=by)
    else:
        outcome = _rejected(
            ctx, session, held, row, resubmit_by=resubmit_by, allow_earlier=allow_earlier, by=by
        )
    session.add(row)
    session.flush()
    audit.record(
        session,
        now=ctx.now,
        actor=by,
        entity="evidence",
        entity_id=row.id,
        contract_id=row.contract_id,
        action="accepted" if accept else "rejected",
        before=before,
        after={"status": row.status, "reason": reason, "checklist": checklist}
        | ({"renewals": [asdict(r) for r in outcome["renewals"]]} if accept else {})
        | ({"resubmit_by": row.resubmit_by.isoformat()} if row.resubmit_by else {})
        | ({"due_on": outcome["due_on"].isoformat()} if "due_on" in outcome else {}),
    )
    return ReviewOutcome(**public_view(row), obligation_status=held.obligation.status, **outcome)


def _accepted(
    ctx: Context, session: Session, held: Held, row: Evidence, *, by: str
) -> dict[str, Any]:
    session.add(row)
    session.flush()
    wanted = set(held.template.evidence)
    accepted = dict(
        session.execute(
            select(col(Evidence.evidence_type), func.max(col(Evidence.submitted_on)))
            .where(
                col(Evidence.obligation_id) == held.id,
                col(Evidence.status) == EvidenceStatus.ACCEPTED.value,
            )
            .group_by(col(Evidence.evidence_type))
        ).all()
    )
    missing = sorted(wanted - set(accepted))
    renewals = plan_renewals(
        session, held, row, now=ctx.now, reminder_hour=ctx.settings.reminder_hour
    )
    outcome: dict[str, Any] = {"renewals": renewals}
    if held.obligation.status == ObligationStatus.ACCEPTED:
        return outcome  # already met; this adds to it (e.g. a renewed certificate)
    if missing:
        pending = session.scalar(
            select(func.count())
            .select_from(Evidence)
            .where(
                col(Evidence.obligation_id) == held.id,
                col(Evidence.status) == EvidenceStatus.SUBMITTED.value,
                col(Evidence.id) != row.id,
            )
        )
        if not pending:
            reopen(session, held, now=ctx.now, actor=by, action="partly_met")
        outcome["still_missing"] = missing
        return outcome
    mark_accepted(session, held, met_on=max(accepted.values()), now=ctx.now, actor=by)
    if held.template.id == CAP_TEMPLATE:
        outcome["findings_closed"] = close_findings(
            session, held.id, now=ctx.now, actor=by, why={"cap_obligation_id": held.id}
        )
    return outcome


def resubmission_deadline(held: Held, today: date) -> date:
    """Today plus the clause's resubmission period (14 calendar days by default)."""
    text = held.template.acceptance.resubmit_within or DEFAULT_RESUBMIT
    span = resolve_span(text, clause=held.clause, values=held.attachment.parameters, calendar=None)
    return span.apply(today, held.contract.country, held.closed)


def _rejected(
    ctx: Context,
    session: Session,
    held: Held,
    row: Evidence,
    *,
    resubmit_by: date | None,
    allow_earlier: bool,
    by: str,
) -> dict[str, Any]:
    """The supplier resubmits by the deadline in force: the later of the one already in
    force and the clause's resubmission period, unless the reviewer explicitly sets an
    earlier date. That one date is stored, told to the supplier and followed by the ladder."""
    today = held.today(ctx.now)
    in_force = held.obligation.due_on
    open_obligation = held.obligation.status != ObligationStatus.ACCEPTED
    if resubmit_by is not None and resubmit_by < today:
        raise BadInput(f"{resubmit_by} is in the past (today is {today})", field="resubmit_by")
    if resubmit_by is not None and open_obligation and resubmit_by < in_force and not allow_earlier:
        raise BadInput(
            f"{resubmit_by} is earlier than the deadline in force ({in_force}); shortening "
            "the deadline must be allowed explicitly",
            field="resubmit_by",
        )
    if resubmit_by is not None:
        deadline = resubmit_by
    else:
        deadline = resubmission_deadline(held, today)
        if open_obligation:
            deadline = max(deadline, in_force)
    row.resubmit_by = deadline
    if not open_obligation:
        # An extra piece for an obligation already met: the rejection is recorded, the
        # obligation stays met, and the supplier is still told.
        told = notify_supplier(
            session,
            held,
            step=f"rejected:{row.id}",
            note=_note(held, row, deadline),
            now=ctx.now,
        )
        return {"notified": told}
    reschedule_after_rejection(
        session,
        held,
        resubmit_by=deadline,
        allow_earlier=allow_earlier,
        now=ctx.now,
        actor=by,
        reminder_hour=ctx.settings.reminder_hour,
    )
    told = notify_supplier(
        session, held, step=f"rejected:{row.id}", note=_note(held, row, deadline), now=ctx.now
    )
    return {"due_on": held.obligation.due_on, "notified": told}


def _note(held: Held, row: Evidence, deadline: date) -> str:
    kind = held.clause.evidence_type(row.evidence_type)
    assert row.id is not None
    return rejection_note(
        evidence=kind.label if kind else row.evidence_type,
        evidence_id=row.id,
        submitted_on=row.submitted_on,
        reason=row.review_reason or "",
        resubmit_by=deadline,
    )
