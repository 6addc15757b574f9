"""Materialise obligations over the rolling horizon, set-based and idempotent.

A contract clause's `next_plan_on` is the earliest due date not yet materialised; rolling
forward selects only the clauses whose next date has come into the horizon (an index
probe), computes their occurrences in Python (pure domain), and inserts them in one
statement per batch with ON CONFLICT DO NOTHING, so running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.bulk import insert_ignoring_duplicates, insert_new, update_by_id
from tracker.domain.localtime import zone
from tracker.domain.policy import first_reminder_at, lead_days, step_offsets
from tracker.domain.schedule import (
    ContractDates,
    Occurrence,
    contract_occurrences,
    event_occurrence,
    local_today,
)
from tracker.domain.status import next_status_change, status_on
from tracker.library.ladders import PolicyInputs, policy_inputs
from tracker.library.parameters import JsonValue
from tracker.library.schema import ClauseFile, EventName, ObligationTemplate, TriggerType
from tracker.models import (
    OBLIGATION_TABLE_KEY,
    ClauseVersion,
    Contract,
    ContractClause,
    Obligation,
    table_of,
)

OBLIGATION_KEY = list(OBLIGATION_TABLE_KEY)
BATCH_SIZE = 5000


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """One contract clause to plan, with the contract facts its schedule depends on."""

    contract_clause_id: int
    contract_id: int
    clause_version_id: int
    parameters: dict[str, JsonValue]
    plan_from: date | None
    dates: ContractDates


class ClauseCache:
    """Parsed clause versions by id: thousands of contracts share a handful of versions."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._parsed: dict[int, ClauseFile] = {}

    def __call__(self, clause_version_id: int) -> ClauseFile:
        parsed = self._parsed.get(clause_version_id)
        if parsed is None:
            row = self._session.get(ClauseVersion, clause_version_id)
            if row is None:
                raise LookupError(f"clause version {clause_version_id} is missing")
            parsed = ClauseFile.model_validate(row.body)
            self._parsed[clause_version_id] = parsed
        return parsed


def occurrence_key(clause: ClauseFile, occurrence: Occurrence) -> str:
    """The stored key of an occurrence: unique per template within one clause version.

    The version is part of it so that after an explicit upgrade the new version's
    occurrences never collide with the old version's obligations that are kept.
    """
    return f"{clause.version}:{occurrence.key}"


class VersionCache:
    """Parsed clause versions that outlive one transaction (the worker's ticks)."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._parsed: dict[int, ClauseFile] = {}

    def __call__(self, clause_version_id: int) -> ClauseFile:
        parsed = self._parsed.get(clause_version_id)
        if parsed is None:
            with Session(self._engine) as session:
                parsed = ClauseCache(session)(clause_version_id)
            self._parsed[clause_version_id] = parsed
        return parsed


@dataclass(frozen=True, slots=True)
class PreparedPolicy:
    inputs: PolicyInputs
    offsets: tuple[int, ...]  # days from the due date to each reminder step
    lead: int  # days before the due date that the "due" window opens


_POLICY_CACHE: dict[tuple[str, str, str, tuple[tuple[str, JsonValue], ...]], PreparedPolicy] = {}


def cached_policy(
    clause: ClauseFile, template: ObligationTemplate, values: dict[str, JsonValue]
) -> PreparedPolicy:
    """Policy per (clause version, template, values): thousands of obligations share a
    handful, and planning a portfolio must not rebuild them per row."""
    key = (clause.id, clause.version, template.id, tuple(sorted(values.items())))
    found = _POLICY_CACHE.get(key)
    if found is None:
        if len(_POLICY_CACHE) > 10_000:
            _POLICY_CACHE.clear()
        inputs = policy_inputs(clause, template, values)
        offsets = step_offsets(
            before_due=inputs.before_due, after_due=inputs.after_due, ladder=inputs.ladder
        )
        found = _POLICY_CACHE[key] = PreparedPolicy(inputs, offsets, lead_days(inputs.before_due))
    return found


def obligation_row(
    occurrence: Occurrence,
    *,
    clause: ClauseFile,
    template: ObligationTemplate,
    target: PlanTarget,
    now: datetime,
    local_now: datetime,
    reminder_hour: int,
) -> dict[str, Any]:
    """The obligation row for one occurrence, with its status and next reminder as of now."""
    policy = cached_policy(clause, template, target.parameters)
    due_on = occurrence.due_on
    window = due_on - timedelta(days=policy.lead)
    status = status_on(due_on, local_now.date(), lead_days=policy.lead).value
    tz = target.dates.timezone
    step_days = [due_on + timedelta(days=offset) for offset in policy.offsets]
    return {
        "contract_id": target.contract_id,
        "contract_clause_id": target.contract_clause_id,
        "template_id": template.id,
        "occurrence": occurrence_key(clause, occurrence),
        "title": template.title,
        "due_on": due_on,
        "window_opens_on": window,
        "status": status,
        "escalation_level": 0,
        "next_reminder_at": first_reminder_at(
            step_days, local_now=local_now, timezone=tz, hour=reminder_hour
        ),
        "next_status_at": next_status_change(
            status, due_on=due_on, window_opens_on=window, timezone=tz
        ),
        "created_at": now,
        "updated_at": now,
    }


def ensure_obligation(session: Session, row: dict[str, Any]) -> int:
    """Insert one obligation row unless its (contract clause, template, occurrence) exists;
    either way, the id of the stored one."""
    insert_ignoring_duplicates(session, table_of(Obligation), [row], conflict=OBLIGATION_KEY)
    found = session.scalars(
        select(col(Obligation.id)).where(
            *(col(getattr(Obligation, key)) == row[key] for key in OBLIGATION_KEY)
        )
    ).one()
    assert found is not None
    return found


@dataclass(frozen=True, slots=True)
class RaisedEvent:
    id: int
    name: EventName
    occurred_on: date


def event_rows(
    target: PlanTarget,
    clause: ClauseFile,
    events: Iterable[RaisedEvent],
    *,
    now: datetime,
    reminder_hour: int,
    due_from: date | None = None,
) -> list[dict[str, Any]]:
    """Obligation rows for the duties the given events start (due on/after `due_from`)."""
    local_now = now.astimezone(zone(target.dates.timezone))
    rows = []
    for event in events:
        for template in clause.obligations:
            trigger = template.trigger
            if trigger.type is not TriggerType.EVENT or trigger.event is not event.name:
                continue
            occurrence = event_occurrence(
                template,
                clause=clause,
                values=target.parameters,
                contract=target.dates,
                occurred_on=event.occurred_on,
                event_key=str(event.id),
            )
            if due_from is None or occurrence.due_on >= due_from:
                rows.append(
                    obligation_row(
                        occurrence,
                        clause=clause,
                        template=template,
                        target=target,
                        now=now,
                        local_now=local_now,
                        reminder_hour=reminder_hour,
                    )
                )
    return rows


def occurrences_within(
    target: PlanTarget, clause: ClauseFile, *, through: date
) -> tuple[list[tuple[ObligationTemplate, Occurrence]], date | None]:
    """Contract-driven occurrences due by `through`, and the first due date after it."""
    found: list[tuple[ObligationTemplate, Occurrence]] = []
    next_on: date | None = None
    for template in clause.obligations:
        for occurrence in contract_occurrences(
            template, clause=clause, values=target.parameters, contract=target.dates
        ):
            if occurrence.due_on > through:
                next_on = occurrence.due_on if next_on is None else min(next_on, occurrence.due_on)
                break
            if target.plan_from is None or occurrence.due_on >= target.plan_from:
                found.append((template, occurrence))
    return found, next_on


def plan_targets(
    session: Session,
    targets: Iterable[PlanTarget],
    *,
    now: datetime,
    horizon_days: int,
    reminder_hour: int,
    clauses: Callable[[int], ClauseFile],
) -> int:
    """Materialise every target's occurrences within the horizon; returns rows inserted."""
    rows: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    for target in targets:
        clause = clauses(target.clause_version_id)
        local_now = now.astimezone(zone(target.dates.timezone))
        through = local_now.date() + timedelta(days=horizon_days)
        found, next_on = occurrences_within(target, clause, through=through)
        rows.extend(
            obligation_row(
                occ,
                clause=clause,
                template=tpl,
                target=target,
                now=now,
                local_now=local_now,
                reminder_hour=reminder_hour,
            )
            for tpl, occ in found
        )
        progress.append({"id": target.contract_clause_id, "next_plan_on": next_on})
    inserted = insert_new(session, table_of(Obligation), rows, conflict=OBLIGATION_KEY)
    update_by_id(
        session,
        table_of(ContractClause),
        "next_plan_on",
        [(p["id"], p["next_plan_on"]) for p in progress],
    )
    return inserted


def _target_query() -> Any:
    return select(
        col(ContractClause.id),
        col(ContractClause.contract_id),
        col(ContractClause.clause_version_id),
        col(ContractClause.parameters),
        col(ContractClause.plan_from),
        col(Contract.start_on),
        col(Contract.end_on),
        col(Contract.signed_on),
        col(Contract.country),
        col(Contract.timezone),
    ).join(Contract, col(Contract.id) == col(ContractClause.contract_id))


def _to_target(row: Sequence[Any]) -> PlanTarget:
    cc_id, contract_id, version_id, params, plan_from, start, end, signed, country, tz = row
    return PlanTarget(
        contract_clause_id=cc_id,
        contract_id=contract_id,
        clause_version_id=version_id,
        parameters=params,
        plan_from=plan_from,
        dates=ContractDates(
            start_on=start, end_on=end, signed_on=signed, country=country, timezone=tz
        ),
    )


def targets_for(session: Session, contract_clause_ids: Sequence[int]) -> list[PlanTarget]:
    stmt = _target_query().where(col(ContractClause.id).in_(contract_clause_ids))
    return [_to_target(r) for r in session.execute(stmt)]


def roll_forward_batch(
    session: Session,
    *,
    now: datetime,
    horizon_days: int,
    reminder_hour: int,
    clauses: Callable[[int], ClauseFile],
    batch_size: int = BATCH_SIZE,
) -> tuple[int, int]:
    """One unit of work: plan up to `batch_size` contract clauses whose next due date has
    entered the horizon. Returns (contract clauses planned, obligations inserted); (0, 0)
    means there was nothing to do."""
    # Timezones differ per contract; UTC date + 1 day bounds every local date from above,
    # and `occurrences_within` applies each contract's exact local horizon.
    bound = now.date() + timedelta(days=horizon_days + 1)
    stmt = (
        _target_query()
        .add_columns(col(ContractClause.next_plan_on))
        .where(col(ContractClause.next_plan_on).is_not(None))
        .where(col(ContractClause.next_plan_on) <= bound)
        .order_by(col(ContractClause.next_plan_on), col(ContractClause.id))
        .limit(batch_size)
    )
    targets = []
    for row in session.execute(stmt):
        target = _to_target(row[:-1])
        horizon_end = local_today(now, target.dates.timezone) + timedelta(days=horizon_days)
        if row[-1] <= horizon_end:
            targets.append(target)
    if not targets:
        return 0, 0
    inserted = plan_targets(
        session,
        targets,
        now=now,
        horizon_days=horizon_days,
        reminder_hour=reminder_hour,
        clauses=clauses,
    )
    return len(targets), inserted
