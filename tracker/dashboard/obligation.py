"""The obligation page: what is due and by when, the evidence the clause accepts with its
required fields, the evidence submitted with its review, and what this person may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from tracker.context import Context
from tracker.dashboard.evidence_rows import EvidenceRow, evidence_row
from tracker.dashboard.words import relative
from tracker.db import read_session
from tracker.domain.status import CLOSED, ObligationStatus
from tracker.errors import NotFound
from tracker.models import Evidence, Obligation
from tracker.obligations.state import hold
from tracker.people.roles import Action, Person, may, may_on_contract


@dataclass(frozen=True)
class AcceptedType:
    id: str
    label: str
    description: str
    accepted_formats: list[str]
    takes_link: bool
    takes_file: bool
    required_fields: list[str]
    has_validity: bool
    confidentiality: str


@dataclass(frozen=True)
class ObligationPage:
    id: int
    title: str
    description: str
    status: str
    due_on: date
    planned_due_on: date
    when: str
    today: date
    timezone: str
    met_on: date | None
    decision_reason: str | None
    reference: str
    contract_title: str
    clause_id: str
    clause_title: str
    acceptance_mode: str
    checklist: list[str]
    accepted_types: list[AcceptedType]
    evidence: list[EvidenceRow]
    is_open: bool
    may_submit: bool
    may_review: bool
    may_waive: bool


def obligation_page(ctx: Context, obligation_id: int, person: Person) -> ObligationPage:
    with read_session(ctx.engine) as session:
        if session.get(Obligation, obligation_id) is None:
            raise NotFound(f"there is no obligation {obligation_id}", field="obligation_id")
        held = hold(session, obligation_id, field="obligation_id")
        rows = session.scalars(
            select(Evidence)
            .where(col(Evidence.obligation_id) == obligation_id)
            .order_by(col(Evidence.id))
        ).all()
    o, contract, template, clause = held.obligation, held.contract, held.template, held.clause
    today = held.today(ctx.now)
    wanted = template.evidence or [e.id for e in clause.evidence_types]
    types = []
    for type_id in wanted:
        kind = clause.evidence_type(type_id)
        if kind is None:
            continue
        formats = list(kind.accepted_formats)
        types.append(
            AcceptedType(
                id=kind.id,
                label=kind.label,
                description=kind.description,
                accepted_formats=[f for f in formats if f != "url"],
                takes_link=not formats or "url" in formats,
                takes_file=not formats or any(f != "url" for f in formats),
                required_fields=list(kind.required_fields),
                has_validity=kind.has_validity,
                confidentiality=kind.confidentiality.value,
            )
        )
    status = ObligationStatus(o.status)
    is_open = status not in CLOSED
    manager = contract.manager_email
    return ObligationPage(
        id=held.id,
        title=o.title,
        description=template.description,
        status=o.status,
        due_on=o.due_on,
        planned_due_on=o.rescheduled_from or o.due_on,
        when=relative(o.due_on, today, open_=is_open and status is not ObligationStatus.SUBMITTED),
        today=today,
        timezone=contract.timezone,
        met_on=o.met_on,
        decision_reason=o.decision_reason,
        reference=contract.reference,
        contract_title=contract.title,
        clause_id=held.attachment.clause_id,
        clause_title=clause.title,
        acceptance_mode=template.acceptance.mode,
        checklist=list(template.acceptance.checklist),
        accepted_types=types,
        evidence=[
            evidence_row(
                r,
                may_see_restricted=may(person, Action.READ_RESTRICTED),
                person=person,
                manager_email=manager,
            )
            for r in rows
        ],
        is_open=is_open,
        may_submit=is_open
        and may_on_contract(person, Action.SUBMIT_EVIDENCE, manager_email=manager),
        may_review=may_on_contract(person, Action.REVIEW_EVIDENCE, manager_email=manager),
        may_waive=is_open and may_on_contract(person, Action.WAIVE, manager_email=manager),
    )
