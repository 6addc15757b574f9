"""What attaching a clause would plan, before anything is written: the "check your answers"
step of the web form. A pure read: the same checks and schedule rules as `attach_clause`,
in a read-only session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import islice

from sqlalchemy import select
from sqlmodel import col

from tracker.closures.days import closed_days
from tracker.context import Context
from tracker.contracts.register import contract_dates, get_by_reference, refuse_if_ended
from tracker.db import read_session
from tracker.domain.schedule import ScheduleError, contract_occurrences
from tracker.errors import BadInput
from tracker.library.describe import describe
from tracker.library.document import SOURCE_WORDS, ParameterRow, words
from tracker.library.parameters import resolve_values
from tracker.models import ContractClause

# Dates listed per obligation at most (a monthly duty over years is summarised).
SHOWN = 6


@dataclass(frozen=True)
class PlannedDuty:
    obligation: str
    when: str  # the rule in plain words
    dates: list[date]  # the first ones (later ones are planned as the horizon moves on)
    more: bool  # more dates follow than are listed


@dataclass(frozen=True)
class AttachPreview:
    contract: str
    timezone: str
    clause_id: str
    clause_version: str
    title: str
    parameters: list[ParameterRow]
    duties: list[PlannedDuty]


def preview_attachment(
    ctx: Context, reference: str, clause_id: str, *, params: dict[str, str] | None = None
) -> AttachPreview:
    """The dates `attach_clause(ctx, reference, clause_id, params=params)` would plan now;
    raises the BadInput it would raise."""
    given = params or {}
    clause = ctx.library.get(clause_id)
    values = resolve_values(clause, given)
    shown = words(clause, values)
    with read_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        refuse_if_ended(contract)
        already = session.scalars(
            select(col(ContractClause.id)).where(
                col(ContractClause.contract_id) == contract.id,
                col(ContractClause.clause_id) == clause.id,
            )
        ).first()
        if already is not None:
            raise BadInput(f"{clause.id} is already attached to {reference}", field="clause_id")
        dates = contract_dates(contract, closed_days(session))
        timezone = contract.timezone
    duties = []
    try:
        for template in clause.obligations:
            found = [
                o.due_on
                for o in islice(
                    contract_occurrences(template, clause=clause, values=values, contract=dates),
                    SHOWN + 1,
                )
            ]
            duties.append(
                PlannedDuty(
                    obligation=template.title,
                    when=describe(template, clause, values),
                    dates=found[:SHOWN],
                    more=len(found) > SHOWN,
                )
            )
    except ScheduleError as exc:
        raise BadInput(f"{clause.id}: {exc}", field="clause_id") from None
    return AttachPreview(
        contract=reference,
        timezone=timezone,
        clause_id=clause.id,
        clause_version=clause.version,
        title=clause.title,
        parameters=[
            ParameterRow(
                name=name,
                label=p.label or name.replace("_", " "),
                value=str(shown[name]),
                origin="set by you" if name in given else SOURCE_WORDS[p.source],
            )
            for name, p in clause.parameters.items()
        ],
        duties=duties,
    )
