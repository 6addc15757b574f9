"""Close an event (the breach is remedied): the duties that repeat until then stop."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.contracts.dates import in_range
from tracker.contracts.lifecycle import UNDECIDED
from tracker.contracts.replanning import supersede_rows
from tracker.contracts.results import EventClosing, ObligationRef, audit_view
from tracker.db import write_session
from tracker.domain.schedule import local_today
from tracker.errors import BadInput, NotFound
from tracker.models import Contract, ContractClause, ContractEvent, Obligation
from tracker.obligations.planning import ClauseCache


def close_event(
    ctx: Context,
    event_id: int,
    *,
    closed_on: date | None = None,
    note: str | None = None,
    reference: str | None = None,
) -> EventClosing:
    """Record that an event is closed on a day (default: today): the undecided duties that
    repeat until it is closed and fall due after that day are superseded (kept for the
    record, no more reminders); those submitted or decided stay as they are.

    A door that checked who may act on contract `reference` passes it: an event of another
    contract is then NotFound, so the check cannot be walked around by the event id."""
    if closed_on is not None:
        in_range(closed_on, field="closed_on")
    why = validate.text(note, field="note", max_length=2000) if note is not None else None
    with write_session(ctx.engine) as session:
        event = session.get(ContractEvent, event_id, with_for_update=True)
        if event is None:
            raise NotFound(
                f"no event {event_id}; `tracker contract show` lists them", field="event_id"
            )
        contract = session.get(Contract, event.contract_id)
        assert contract is not None
        assert event.id is not None
        if reference is not None and contract.reference != reference:
            raise NotFound(f"contract {reference} has no event {event_id}", field="event_id")
        if event.closed_on is not None:
            raise BadInput(
                f"event {event_id} was already closed on {event.closed_on}", field="event_id"
            )
        day = closed_on or local_today(ctx.now, contract.timezone)
        if day < event.occurred_on:
            raise BadInput(
                f"{day} is before the event happened ({event.occurred_on})", field="closed_on"
            )
        stopped = _repeating_after(session, event, day)
        supersede_rows(session, [s.id for s in stopped], now=ctx.now)
        event.closed_on = day
        session.add(event)
        session.flush()
        view = EventClosing(
            id=event.id,
            contract=contract.reference,
            event=event.name,
            occurred_on=event.occurred_on,
            closed_on=day,
            note=why,
            superseded=stopped,
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="contract_event",
            entity_id=event.id,
            contract_id=contract.id,
            action="closed",
            before={"closed_on": None},
            after=audit_view(view),
        )
    return view


def _repeating_after(session: Session, event: ContractEvent, day: date) -> list[ObligationRef]:
    """The event's undecided duties due after `day` whose template repeats until the event
    is closed."""
    clauses = ClauseCache(session)
    key = f"event:{event.id}"
    rows = session.execute(
        select(
            col(Obligation.id),
            col(Obligation.due_on),
            col(Obligation.title),
            col(Obligation.template_id),
            col(ContractClause.clause_version_id),
        )
        .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
        .where(
            col(Obligation.contract_id) == event.contract_id,
            col(Obligation.status).in_(UNDECIDED),
            col(Obligation.due_on) > day,
            or_(
                col(Obligation.occurrence).endswith(f":{key}"),
                col(Obligation.occurrence).contains(f":{key}:r"),
            ),
        )
        .order_by(col(Obligation.due_on), col(Obligation.id))
    )
    stopped = []
    for oid, due_on, title, template_id, version_id in rows:
        clause = clauses(version_id)
        template = next((t for t in clause.obligations if t.id == template_id), None)
        recurrence = template.recurrence if template else None
        if recurrence is not None and recurrence.until == "event_closed":
            stopped.append(ObligationRef(id=oid, due_on=due_on, obligation=title))
    return stopped
