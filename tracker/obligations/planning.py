"""Materialise obligations over the rolling horizon, set-based and idempotent.

A contract clause's `next_plan_on` is the earliest due date not yet materialised; rolling
forward selects only the clauses whose next date has come into the horizon (an index
probe), computes their occurrences in Python (pure domain), and inserts them in one
statement per batch with ON CONFLICT DO NOTHING, so running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from tracker.bulk import insert_ignoring_duplicates, insert_new, update_by_id
from tracker.closures.days import closed_days
from tracker.domain.localtime import reminder_clock, zone
from tracker.domain.policy import (
    counts_business_days,
    first_reminder_at,
    lead_days,
    step_offsets,
    steps_for,
)
from tracker.domain.schedule import (
    ContractDates,
    Occurrence,
    contract_occurrences,
    event_occurrences,
    local_today,
)
from tracker.domain.status import next_status_change, status_on
from tracker.domain.templates import applies_to_model
from tracker.library.ladders import PolicyInputs, policy_inputs
from tracker.library.parameters import JsonValue, param_name
from tracker.library.schema import ClauseFile, EventName, ObligationTemplate, TriggerType
from tracker.models import (
    OBLIGATION_TABLE_KEY,
    ClauseVersion,
    Contract,
    ContractClause,
    Evidence,
    EvidenceStatus,
    Obligation,
    ProductModel,
    table_of,
)

OBLIGATION_KEY = list(OBLIGATION_TABLE_KEY)
BATCH_SIZE = 5000
WRITE_CHUNK = 2000  # obligation rows per write while the next ones are computed


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A delivered product model, as far as planning its own duties goes."""

    id: int
    label: str  # manufacturer and model name, for the obligation's title
    first_delivery_on: date
    retired_on: date | None
    generation: str | None  # of its latest accepted certificate, if any
    product_type: str = ""

    def wants(
        self,
        template: ObligationTemplate,
        due_on: date,
        values: dict[str, Any],
        cpv_codes: Sequence[str] = (),
    ) -> bool:
        """Whether this model owes the duty of `template` falling on `due_on` under a
        contract with these CPV codes."""
        if not applies_to_model(template, cpv_codes, self.product_type):
            return False  # `applies_if`: not this kind of product
        if due_on < self.first_delivery_on and template.trigger.type is not TriggerType.EVENT:
            return False  # not delivered yet: nothing to certify
        if self.retired_on is not None and due_on >= self.retired_on:
            return False
        if template.only_generation is not None:
            name = param_name(template.only_generation)
            wanted = values.get(name) if name else template.only_generation
            return self.generation is not None and self.generation == str(wanted)
        return True


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """One contract clause to plan, with the contract facts its schedule depends on."""

    contract_clause_id: int
    contract_id: int
    clause_version_id: int
    parameters: dict[str, JsonValue]
    plan_from: date | None
    dates: ContractDates
    # The contract's reminder time (minutes after local midnight); None: the site's hour.
    reminder_minute: int | None = None


def load_models(
    session: Session, contract_ids: Iterable[int], *, only: int | None = None
) -> dict[int, list[ModelRef]]:
    """The product models of these contracts (or just model `only`), with the generation
    of each one's latest accepted certificate."""
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    stmt = select(ProductModel).where(col(ProductModel.contract_id).in_(ids))
    if only is not None:
        stmt = stmt.where(col(ProductModel.id) == only)
    models = list(session.scalars(stmt))
    generations: dict[int, str] = {}
    if models:
        accepted = session.execute(
            select(col(Obligation.product_model_id), col(Evidence.fields))
            .join(Evidence, col(Evidence.obligation_id) == col(Obligation.id))
            .where(col(Obligation.product_model_id).in_([m.id for m in models]))
            .where(col(Evidence.status) == EvidenceStatus.ACCEPTED.value)
            .order_by(col(Evidence.reviewed_at), col(Evidence.id))
        )
        for model_id, fields in accepted:
            generation = (fields or {}).get("generation")
            if generation is not None:
                generations[model_id] = str(generation)  # the latest wins
    found: dict[int, list[ModelRef]] = {}
    for m in models:
        assert m.id is not None
        found.setdefault(m.contract_id, []).append(
            ModelRef(
                m.id,
                f"{m.manufacturer} {m.name}",
                m.first_delivery_on,
                m.retired_on,
                generations.get(m.id),
                m.product_type,
            )
        )
    return found


def per_model_rows(
    row: dict[str, Any],
    template: ObligationTemplate,
    due_on: date,
    models: Sequence[ModelRef],
    values: dict[str, Any],
    cpv_codes: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The one contract-level row of a per-model template, made into one row per model
    that owes it (its own key, title and model)."""
    return [
        {
            **row,
            "occurrence": f"m{model.id}:{row['occurrence']}",
            "title": f"{template.title}: {model.label}"[:300],
            "product_model_id": model.id,
        }
        for model in models
        if model.wants(template, due_on, values, cpv_codes)
    ]


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
    # Days from the due date to each reminder step; None when a rung counts business days,
    # whose distance from the due date depends on the calendar around it.
    offsets: tuple[timedelta, ...] | None
    lead: int  # days before the due date that the "due" window opens

    def step_days(self, due_on: date, dates: ContractDates) -> list[date]:
        """The dates of an obligation's reminder steps, in order (no on-trigger notice)."""
        if self.offsets is not None:
            return [due_on + offset for offset in self.offsets]
        steps = steps_for(
            due_on,
            before_due=self.inputs.before_due,
            after_due=self.inputs.after_due,
            ladder=self.inputs.ladder,
            country=dates.country,
            closed=dates.closed,
        )
        return [s.on for s in steps]


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
        offsets = (
            None
            if counts_business_days(inputs.ladder)
            else tuple(
                timedelta(days=days)
                for days in step_offsets(
                    before_due=inputs.before_due, after_due=inputs.after_due, ladder=inputs.ladder
                )
            )
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
    memo: RowMemo | None = None,
) -> dict[str, Any]:
    """The obligation row for one occurrence, with its status and next reminder as of now.

    `memo`, kept by a caller for one `now`, shares the schedule fields between rows that
    get the same ones: a portfolio's contracts share a few policies, zones and due dates."""
    policy = cached_policy(clause, template, target.parameters)
    due_on = occurrence.due_on
    tz = target.dates.timezone
    key = None
    if memo is not None:
        # What the fields below depend on (`local_now` follows from the zone, for one
        # `now`). The calendar matters only for business-day ladders; `policy` stays
        # referenced by the value, so its id is not reused.
        calendar = (
            None if policy.offsets is not None else (target.dates.country, target.dates.closed)
        )
        key = (id(policy), due_on, tz, target.reminder_minute, reminder_hour, calendar)
        found = memo.get(key)
        if found is not None:
            return _row(target, template, clause, occurrence, now, found[1:])
    window = due_on - timedelta(days=policy.lead)
    status = status_on(due_on, local_now.date(), lead_days=policy.lead).value
    hour, minute = reminder_clock(target.reminder_minute, default_hour=reminder_hour)
    step_days = policy.step_days(due_on, target.dates)
    if policy.inputs.on_trigger and local_now.date() < due_on:
        # The notice that the duty now exists: its day is today (see `steps_for`).
        step_days = sorted({local_now.date(), *step_days})
    fields = (
        due_on,
        window,
        status,
        first_reminder_at(step_days, local_now=local_now, timezone=tz, hour=hour, minute=minute),
        next_status_change(status, due_on=due_on, window_opens_on=window, timezone=tz),
    )
    if memo is not None and key is not None:
        memo[key] = (policy, *fields)
    return _row(target, template, clause, occurrence, now, fields)


# (policy, due_on, window_opens_on, status, next_reminder_at, next_status_at) by what
# they depend on; see `obligation_row`.
RowMemo = dict[tuple[Any, ...], tuple[Any, ...]]


def _row(
    target: PlanTarget,
    template: ObligationTemplate,
    clause: ClauseFile,
    occurrence: Occurrence,
    now: datetime,
    fields: tuple[Any, ...],
) -> dict[str, Any]:
    due_on, window, status, next_reminder_at, next_status_at = fields
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
        "next_reminder_at": next_reminder_at,
        "next_status_at": next_status_at,
        "created_at": now,
        "updated_at": now,
        "product_model_id": None,
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
    plan: str | None = None  # the deadline chosen when it was recorded (None: normal)
    closed_on: date | None = None  # ends the duties that repeat until it is closed


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
            if template.per_model:
                continue  # adding the product model plans it (`add_model`): it names the model
            # A repeating duty is planned to its end at once (the contract end at the
            # latest): events are few, and closing the event supersedes the rest.
            for occurrence in event_occurrences(
                template,
                clause=clause,
                values=target.parameters,
                contract=target.dates,
                occurred_on=event.occurred_on,
                event_key=str(event.id),
                plan=event.plan,
                closed_on=event.closed_on,
            ):
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


def model_contract_rows(
    target: PlanTarget,
    clause: ClauseFile,
    models: Sequence[ModelRef],
    *,
    now: datetime,
    reminder_hour: int,
) -> list[dict[str, Any]]:
    """Rows of the contract-driven per-model duties of these models, over the whole
    contract. Called when a model is added or its certificate changes (a new generation),
    because the horizon's cursor may already have passed those dates for other models."""
    local_now = now.astimezone(zone(target.dates.timezone))
    rows: list[dict[str, Any]] = []
    for template in clause.obligations:
        if not template.per_model:
            continue
        for occurrence in contract_occurrences(
            template,
            clause=clause,
            values=target.parameters,
            contract=target.dates,
            through=target.dates.end_on,
        ):
            if target.plan_from is not None and occurrence.due_on < target.plan_from:
                continue
            row = obligation_row(
                occurrence,
                clause=clause,
                template=template,
                target=target,
                now=now,
                local_now=local_now,
                reminder_hour=reminder_hour,
            )
            rows += per_model_rows(
                row,
                template,
                occurrence.due_on,
                models,
                target.parameters,
                target.dates.cpv_codes,
            )
    return rows


def plan_model_duties(
    session: Session,
    target: PlanTarget,
    clause: ClauseFile,
    model_id: int,
    *,
    now: datetime,
    reminder_hour: int,
) -> int:
    """Plan what one model owes under one contract clause now (e.g. after its certificate
    changed generation); returns the rows inserted."""
    models = load_models(session, [target.contract_id], only=model_id).get(target.contract_id, [])
    rows = model_contract_rows(target, clause, models, now=now, reminder_hour=reminder_hour)
    return insert_ignoring_duplicates(session, table_of(Obligation), rows, conflict=OBLIGATION_KEY)


def model_label(session: Session, obligation: Obligation) -> str:
    """The manufacturer and model name of a per-model obligation."""
    model = session.get(ProductModel, obligation.product_model_id)
    return f"{model.manufacturer} {model.name}" if model else ""


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


def _insert_obligations(session: Session, rows: list[dict[str, Any]]) -> int:
    return insert_new(session, table_of(Obligation), rows, conflict=OBLIGATION_KEY)


def plan_targets(
    session: Session,
    targets: Iterable[PlanTarget],
    *,
    now: datetime,
    horizon_days: int,
    reminder_hour: int,
    clauses: Callable[[int], ClauseFile],
    overlap: bool = False,
) -> int:
    """Materialise every target's occurrences within the horizon; returns rows inserted.

    `overlap`: write the rows in chunks from a thread while the next ones are computed
    (for the roll-forward's large batches)."""
    rows: list[dict[str, Any]] = []
    progress: list[dict[str, Any]] = []
    targets = list(targets)
    # Models are read only for contracts with a per-model clause: most portfolios have none.
    models = load_models(
        session,
        (
            t.contract_id
            for t in targets
            if any(tpl.per_model for tpl in clauses(t.clause_version_id).obligations)
        ),
    )
    memo: RowMemo = {}
    # With `overlap`, one writer thread writes chunks of rows while the next chunk is
    # computed: the database works (and the thread waits for it without holding the GIL)
    # while Python computes. Only the writer uses the session until it has finished (the
    # clause versions were all read by `load_models`' argument above); the transaction
    # is still the caller's one.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plan-writer")
    writes: list[Future[int]] = []
    try:
        for target in targets:
            clause = clauses(target.clause_version_id)
            local_now = now.astimezone(zone(target.dates.timezone))
            through = local_now.date() + timedelta(days=horizon_days)
            found, next_on = occurrences_within(target, clause, through=through)
            for tpl, occ in found:
                row = obligation_row(
                    occ,
                    clause=clause,
                    template=tpl,
                    target=target,
                    now=now,
                    local_now=local_now,
                    reminder_hour=reminder_hour,
                    memo=memo,
                )
                if tpl.per_model:
                    rows += per_model_rows(
                        row,
                        tpl,
                        occ.due_on,
                        models.get(target.contract_id, []),
                        target.parameters,
                        target.dates.cpv_codes,
                    )
                else:
                    rows.append(row)
            progress.append({"id": target.contract_clause_id, "next_plan_on": next_on})
            if overlap and len(rows) >= WRITE_CHUNK:
                writes.append(writer.submit(_insert_obligations, session, rows))
                rows = []
    finally:
        writer.shutdown(wait=True)  # an error computing still waits for the writes
    inserted = sum(write.result() for write in writes)  # the first failed write raises
    inserted += _insert_obligations(session, rows)
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
        col(Contract.reminder_minute),
        col(Contract.cpv_codes),
    ).join(Contract, col(Contract.id) == col(ContractClause.contract_id))


def _to_target(row: Sequence[Any], closed: frozenset[date]) -> PlanTarget:
    cc_id, contract_id, version_id, params, plan_from, start, end, signed, country, tz, at, cpv = (
        row
    )
    return PlanTarget(
        contract_clause_id=cc_id,
        contract_id=contract_id,
        clause_version_id=version_id,
        parameters=params,
        plan_from=plan_from,
        dates=ContractDates(
            start_on=start,
            end_on=end,
            signed_on=signed,
            country=country,
            timezone=tz,
            closed=closed,
            cpv_codes=tuple(cpv or ()),
        ),
        reminder_minute=at,
    )


def targets_for(session: Session, contract_clause_ids: Sequence[int]) -> list[PlanTarget]:
    stmt = _target_query().where(col(ContractClause.id).in_(contract_clause_ids))
    closed = closed_days(session)
    return [_to_target(r, closed) for r in session.execute(stmt)]


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
    # and `occurrences_within` applies each contract's exact local horizon. Rows in that
    # last band whose local date is still behind are not due yet: read past them (keyset on
    # the order), so a full batch of them never hides a contract whose local date is ahead.
    bound = now.date() + timedelta(days=horizon_days + 1)
    stmt = (
        _target_query()
        .add_columns(col(ContractClause.next_plan_on))
        .where(col(ContractClause.next_plan_on).is_not(None))
        .where(col(ContractClause.next_plan_on) <= bound)
        .order_by(col(ContractClause.next_plan_on), col(ContractClause.id))
        .limit(batch_size)
    )
    targets: list[PlanTarget] = []
    closed: frozenset[date] | None = None  # an idle tick reads nothing more
    page = stmt
    while True:
        found = list(session.execute(page))
        if found and closed is None:
            closed = closed_days(session)
        for row in found:
            target = _to_target(row[:-1], closed or frozenset())
            horizon_end = local_today(now, target.dates.timezone) + timedelta(days=horizon_days)
            if row[-1] <= horizon_end:
                targets.append(target)
        if targets or len(found) < batch_size:
            break
        last_on, last_id = found[-1][-1], found[-1][0]
        page = stmt.where(
            or_(
                col(ContractClause.next_plan_on) > last_on,
                and_(
                    col(ContractClause.next_plan_on) == last_on,
                    col(ContractClause.id) > last_id,
                ),
            )
        )
    if not targets:
        return 0, 0
    inserted = plan_targets(
        session,
        targets,
        now=now,
        horizon_days=horizon_days,
        reminder_hour=reminder_hour,
        clauses=clauses,
        overlap=True,
    )
    return len(targets), inserted
