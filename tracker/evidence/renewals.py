"""Validity drives deadlines: accepted evidence that expires plans its own renewal.

When a certificate or audit report with `valid_until` is accepted, every template of the
clause triggered by the expiry of that evidence type gets an obligation keyed by the
evidence (`expiry:<id>`), with the template's own reminder profile (e.g. 90/60/30/7 days
before). Left alone, it turns overdue the day after the deadline, like any other duty.
The supplier renews by submitting the new certificate for that renewal obligation; its
acceptance plans the next renewal in turn. (Other open renewals are not closed by it: a
contract may hold one certificate per facility.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from tracker.domain.localtime import zone
from tracker.domain.schedule import expiry_occurrence
from tracker.domain.templates import applies_to_contract
from tracker.library.schema import TriggerType
from tracker.models import Evidence
from tracker.obligations.planning import (
    ensure_obligation,
    model_label,
    obligation_row,
    plan_model_duties,
)
from tracker.obligations.state import Held


@dataclass(frozen=True)
class Renewal:
    obligation_id: int | None
    template_id: str
    due_on: str
    note: str = ""


def plan_renewals(
    session: Session,
    held: Held,
    evidence: Evidence,
    *,
    now: datetime,
    reminder_hour: int,
) -> list[Renewal]:
    planned: list[Renewal] = []
    target = held.target()
    local_now = now.astimezone(zone(target.dates.timezone))
    for template in held.clause.obligations:
        trigger = template.trigger
        if (
            trigger.type is not TriggerType.EVIDENCE_EXPIRY
            or trigger.evidence_type != evidence.evidence_type
            or evidence.valid_until is None
            or not applies_to_contract(template, target.dates.cpv_codes)
        ):
            continue
        occurrence = expiry_occurrence(
            template,
            clause=held.clause,
            values=target.parameters,
            contract=target.dates,
            valid_until=evidence.valid_until,
            evidence_key=str(evidence.id),
        )
        if occurrence.due_on > held.contract.end_on:
            planned.append(
                Renewal(
                    None,
                    template.id,
                    occurrence.due_on.isoformat(),
                    "after the contract ends: no renewal planned",
                )
            )
            continue
        row = obligation_row(
            occurrence,
            clause=held.clause,
            template=template,
            target=target,
            now=now,
            local_now=local_now,
            reminder_hour=reminder_hour,
        )
        # A per-model certificate's renewal stays that model's duty (and only that model's).
        if held.obligation.product_model_id is not None:
            row["product_model_id"] = held.obligation.product_model_id
            row["title"] = f"{row['title']}: {model_label(session, held.obligation)}"[:300]
        renewal_id = ensure_obligation(session, row)
        evidence.renewal_obligation_id = renewal_id
        session.add(evidence)
        planned.append(Renewal(renewal_id, template.id, occurrence.due_on.isoformat()))
    if held.template.per_model and held.obligation.product_model_id is not None:
        # A certificate of another generation may now owe (or no longer owe) a re-check.
        plan_model_duties(
            session,
            target,
            held.clause,
            held.obligation.product_model_id,
            now=now,
            reminder_hour=reminder_hour,
        )
    return planned
