"""Add, list and remove the buyer's closure days; a change re-plans what it moves.

Business-day deadlines skip closure days as they skip public holidays, so adding or
removing one moves future obligations nobody has acted on (the same re-plan as a change of
contract dates); decided, submitted and past obligations never move.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.contracts.dates import in_range
from tracker.contracts.register import OPEN_STATUSES
from tracker.contracts.replanning import replan_contract
from tracker.db import read_session, write_session
from tracker.domain.schedule import ScheduleError
from tracker.errors import BadInput
from tracker.models import ClosureDay, Contract

# A closure is a holiday week or a summer shutdown, not a year off.
MAX_DAYS = 62


@dataclass(frozen=True)
class ClosureDayView:
    day: date
    label: str


@dataclass(frozen=True)
class ClosureMove:
    """One obligation a closure change moved (or superseded, or newly planned)."""

    contract: str
    obligation_id: int
    clause_id: str
    obligation: str
    old_due_on: date | None
    new_due_on: date | None
    status: str


@dataclass(frozen=True)
class ClosureChange:
    action: str  # added | removed
    days: list[ClosureDayView]
    rescheduled: list[ClosureMove]


def _days(first_on: date, last_on: date | None) -> list[date]:
    in_range(first_on, field="first_on")
    last = in_range(last_on, field="last_on") if last_on is not None else first_on
    if last < first_on:
        raise BadInput(f"{last.isoformat()} is before {first_on.isoformat()}", field="last_on")
    count = (last - first_on).days + 1
    if count > MAX_DAYS:
        raise BadInput(f"is {count} days; give at most {MAX_DAYS} at a time", field="last_on")
    return [first_on + timedelta(days=i) for i in range(count)]


def list_closures(ctx: Context, *, from_on: date | None = None) -> list[ClosureDayView]:
    """The closure days, in date order (from `from_on` if given)."""
    stmt = select(ClosureDay).order_by(col(ClosureDay.day))
    if from_on is not None:
        stmt = stmt.where(col(ClosureDay.day) >= from_on)
    with read_session(ctx.engine) as session:
        return [ClosureDayView(c.day, c.label) for c in session.scalars(stmt)]


def add_closure(
    ctx: Context, *, first_on: date, last_on: date | None = None, label: str
) -> ClosureChange:
    """Close the days from `first_on` to `last_on` (inclusive); days already closed keep
    their label. Re-plans the obligations whose business-day due date moves."""
    days = _days(first_on, last_on)
    text = validate.text(label, field="label", max_length=200)
    with write_session(ctx.engine) as session:
        known = set(
            session.scalars(select(col(ClosureDay.day)).where(col(ClosureDay.day).in_(days)))
        )
        new = [d for d in days if d not in known]
        if not new:
            raise BadInput("every day given is already a closure day", field="first_on")
        session.add_all(ClosureDay(day=d, label=text, created_at=ctx.now) for d in new)
        session.flush()
        change = ClosureChange(
            "added", [ClosureDayView(d, text) for d in new], _replan(ctx, session)
        )
        _audit(ctx, session, change, before=None)
    return change


def remove_closure(ctx: Context, *, first_on: date, last_on: date | None = None) -> ClosureChange:
    """Open again the closure days from `first_on` to `last_on`; re-plans as adding does."""
    days = _days(first_on, last_on)
    with write_session(ctx.engine) as session:
        found = list(
            session.scalars(
                select(ClosureDay)
                .where(col(ClosureDay.day).in_(days))
                .order_by(col(ClosureDay.day))
            )
        )
        if not found:
            raise BadInput("none of the days given is a closure day", field="first_on")
        removed = [ClosureDayView(c.day, c.label) for c in found]
        session.execute(delete(ClosureDay).where(col(ClosureDay.day).in_([c.day for c in found])))
        session.flush()
        change = ClosureChange("removed", removed, _replan(ctx, session))
        _audit(ctx, session, change, before={"days": [_plain(asdict(d)) for d in removed]})
    return change


def _replan(ctx: Context, session: Session) -> list[ClosureMove]:
    """Every open contract re-planned against the new closure days."""
    moves: list[ClosureMove] = []
    contracts = session.scalars(
        select(Contract)
        .where(col(Contract.status).in_(OPEN_STATUSES), col(Contract.ended_on).is_(None))
        .order_by(col(Contract.reference))
    )
    for contract in contracts:
        try:
            changes = replan_contract(
                session,
                contract,
                now=ctx.now,
                horizon_days=ctx.settings.horizon_days,
                reminder_hour=ctx.settings.reminder_hour,
            )
        except ScheduleError as exc:
            raise BadInput(f"{contract.reference}: {exc}", field="first_on") from None
        moves += [ClosureMove(contract.reference, **asdict(c)) for c in changes]
        if changes:  # the contract's own trail says why its obligations moved
            audit.record(
                session,
                now=ctx.now,
                actor=ctx.actor,
                entity="contract",
                entity_id=contract.id,
                contract_id=contract.id,
                action="replanned_for_closure_days",
                after={"rescheduled": [_plain(asdict(c)) for c in changes]},
            )
    return moves


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in value.items()}


def _audit(
    ctx: Context, session: Session, change: ClosureChange, *, before: dict[str, Any] | None
) -> None:
    audit.record(
        session,
        now=ctx.now,
        actor=ctx.actor,
        entity="closure_day",
        entity_id=change.days[0].day.isoformat(),
        action=change.action,
        before=before,
        after={
            "days": [] if change.action == "removed" else [_plain(asdict(d)) for d in change.days],
            "rescheduled": [_plain(asdict(m)) for m in change.rescheduled],
        },
    )
