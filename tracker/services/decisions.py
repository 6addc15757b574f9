"""Waive an obligation, or record that it does not apply: a person's decision with a
mandatory reason, audited, excluded from on-time rates but listed in reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.db import write_session
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.library.builtin import TEMPLATE_ID as CAP_TEMPLATE
from tracker.models import Finding, FindingStatus
from tracker.services import audit
from tracker.services.context import Context
from tracker.services.obligation_state import hold, mark_waived, refuse_if_closed

MAX_REASON = 2000


def waive(
    ctx: Context,
    obligation_id: int,
    *,
    reason: str,
    not_applicable: bool = False,
    by: str | None = None,
) -> dict[str, Any]:
    reason = reason.strip()
    if not reason:
        raise BadInput("--reason: say why (it is kept in the audit trail and the reports)")
    if len(reason) > MAX_REASON:
        raise BadInput(f"--reason: at most {MAX_REASON} characters")
    status = ObligationStatus.NOT_APPLICABLE if not_applicable else ObligationStatus.WAIVED
    actor = by or ctx.actor
    with write_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "waived")
        mark_waived(session, held, status=status, reason=reason, now=ctx.now, actor=actor)
        closed = []
        if held.template.id == CAP_TEMPLATE:
            # Waiving a corrective action plan closes its finding, with the same reason.
            for finding in session.scalars(
                select(Finding).where(
                    col(Finding.cap_obligation_id) == held.id,
                    col(Finding.status) == FindingStatus.OPEN.value,
                )
            ).all():
                finding.status = FindingStatus.CLOSED.value
                finding.closed_at = ctx.now
                session.add(finding)
                audit.record(
                    session,
                    now=ctx.now,
                    actor=actor,
                    entity="finding",
                    entity_id=finding.id,
                    contract_id=finding.contract_id,
                    action="closed",
                    before={"status": FindingStatus.OPEN.value},
                    after={"status": FindingStatus.CLOSED.value, "reason": reason},
                )
                closed.append(finding.id)
        return {
            "id": held.id,
            "title": held.obligation.title,
            "contract": held.contract.reference,
            "due_on": held.obligation.due_on.isoformat(),
            "status": status.value,
            "reason": reason,
            "by": actor,
            "findings_closed": closed,
        }
