"""Waive an obligation, or record that it does not apply: a person's decision with a
mandatory reason, audited, excluded from on-time rates but listed in reports."""

from __future__ import annotations

from typing import Any

from tracker.context import Context
from tracker.db import write_session
from tracker.domain.status import ObligationStatus
from tracker.errors import BadInput
from tracker.findings.register import close_findings
from tracker.library.builtin import TEMPLATE_ID as CAP_TEMPLATE
from tracker.obligations.state import hold, mark_waived, refuse_if_closed

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
        closed: list[int] = []
        if held.template.id == CAP_TEMPLATE:
            # Waiving a corrective action plan closes its finding, with the same reason.
            closed = close_findings(
                session, held.id, now=ctx.now, actor=actor, why={"reason": reason}
            )
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
