"""The product models delivered under a contract, and the certificate each one holds.

A buyer of notebooks holds one certificate per delivered model, not one per contract.
Adding a model plans the duties of every per-model clause template for it (the certificate
before its first delivery, checks that fall after it); retiring it closes its open duties
from the retirement date on. Renewals follow each model's own certificate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker import validate
from tracker.audit import chain as audit
from tracker.bulk import insert_ignoring_duplicates
from tracker.context import Context
from tracker.contracts.dates import in_range
from tracker.contracts.register import attached_clause_ids, get_by_reference, refuse_if_ended
from tracker.contracts.results import audit_view
from tracker.db import read_session, write_session
from tracker.domain.localtime import zone
from tracker.domain.schedule import event_occurrence, local_today
from tracker.domain.status import TIME_DRIVEN, ObligationStatus
from tracker.errors import BadInput, NotFound
from tracker.library.schema import ClauseFile, EventName, TriggerType
from tracker.models import (
    Contract,
    Obligation,
    ProductModel,
    table_of,
)
from tracker.obligations.planning import (
    OBLIGATION_KEY,
    ClauseCache,
    ModelRef,
    PlanTarget,
    load_models,
    model_contract_rows,
    obligation_row,
    per_model_rows,
    targets_for,
)

# Open duties that retiring a model closes (a submitted one waits for its review).
CLOSABLE = (*(s.value for s in TIME_DRIVEN), ObligationStatus.REJECTED.value)


@dataclass(frozen=True, slots=True)
class PlannedDuty:
    """An obligation planned for one model (its certificate, a renewal, a re-check)."""

    obligation_id: int
    title: str
    due_on: date
    status: str


@dataclass(frozen=True, slots=True)
class ProductModelView:
    id: int
    contract: str
    manufacturer: str
    name: str
    product_type: str
    first_delivery_on: date
    last_delivery_on: date | None
    retired_on: date | None
    retire_reason: str | None
    obligations_planned: int = 0
    obligations_closed: int = 0
    # What adding the model planned for it (empty in other results).
    planned: list[PlannedDuty] = field(default_factory=list)


def model_view(contract: str, model: ProductModel, **counts: Any) -> ProductModelView:
    assert model.id is not None
    return ProductModelView(
        id=model.id,
        contract=contract,
        manufacturer=model.manufacturer,
        name=model.name,
        product_type=model.product_type,
        first_delivery_on=model.first_delivery_on,
        last_delivery_on=model.last_delivery_on,
        retired_on=model.retired_on,
        retire_reason=model.retire_reason,
        **counts,
    )


def _model_rows(
    session: Session, contract: Contract, model_id: int, ctx: Context
) -> list[dict[str, Any]]:
    """Rows for every per-model duty of one model, up to the planning horizon."""
    assert contract.id is not None
    models = load_models(session, [contract.id], only=model_id).get(contract.id, [])
    cache = ClauseCache(session)
    rows: list[dict[str, Any]] = []
    for target in targets_for(session, attached_clause_ids(session, contract.id)):
        clause = cache(target.clause_version_id)
        if any(t.per_model for t in clause.obligations):
            rows += _rows_for(target, clause, models, ctx)
    return rows


def _rows_for(
    target: PlanTarget, clause: ClauseFile, models: list[ModelRef], ctx: Context
) -> list[dict[str, Any]]:
    hour = ctx.settings.reminder_hour
    rows = model_contract_rows(target, clause, models, now=ctx.now, reminder_hour=hour)
    local_now = ctx.now.astimezone(zone(target.dates.timezone))
    for template in clause.obligations:
        trigger = template.trigger
        if not (template.per_model and trigger.type is TriggerType.EVENT):
            continue
        if trigger.event is not EventName.NEW_PRODUCT_MODEL:
            continue
        for model in models:
            # The model's first delivery is the event: its certificate is due by then.
            occurrence = event_occurrence(
                template,
                clause=clause,
                values=target.parameters,
                contract=target.dates,
                occurred_on=model.first_delivery_on,
                event_key="model",
            )
            row = obligation_row(
                occurrence,
                clause=clause,
                template=template,
                target=target,
                now=ctx.now,
                local_now=local_now,
                reminder_hour=hour,
            )
            rows += per_model_rows(
                row, template, occurrence.due_on, [model], {}, target.dates.cpv_codes
            )
    return rows


def add_model(
    ctx: Context,
    reference: str,
    *,
    manufacturer: str,
    name: str,
    product_type: str,
    first_delivery_on: date,
    last_delivery_on: date | None = None,
) -> ProductModelView:
    """Register a delivered product model and plan its own per-model duties."""
    manufacturer = validate.text(manufacturer, field="manufacturer", max_length=200)
    name = validate.text(name, field="name", max_length=200)
    product_type = validate.text(product_type, field="product_type", max_length=60)
    in_range(first_delivery_on, field="first_delivery_on")
    if last_delivery_on is not None:
        in_range(last_delivery_on, field="last_delivery_on")
        if last_delivery_on < first_delivery_on:
            raise BadInput(
                f"is before the first delivery {first_delivery_on.isoformat()}",
                field="last_delivery_on",
            )
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference, lock=True)
        assert contract.id is not None
        refuse_if_ended(contract)
        if not contract.start_on <= first_delivery_on <= contract.end_on:
            raise BadInput(
                f"{first_delivery_on.isoformat()} is outside the contract "
                f"({contract.start_on.isoformat()} to {contract.end_on.isoformat()})",
                field="first_delivery_on",
            )
        taken = session.scalars(
            select(ProductModel).where(
                col(ProductModel.contract_id) == contract.id,
                col(ProductModel.manufacturer) == manufacturer,
                col(ProductModel.name) == name,
            )
        ).first()
        if taken is not None:
            raise BadInput(
                f"{manufacturer} {name} is already model {taken.id} of {reference}", field="name"
            )
        model = ProductModel(
            contract_id=contract.id,
            manufacturer=manufacturer,
            name=name,
            product_type=product_type,
            first_delivery_on=first_delivery_on,
            last_delivery_on=last_delivery_on,
            added_at=ctx.now,
            added_by=ctx.actor,
        )
        session.add(model)
        session.flush()
        assert model.id is not None
        planned = insert_ignoring_duplicates(
            session,
            table_of(Obligation),
            _model_rows(session, contract, model.id, ctx),
            conflict=OBLIGATION_KEY,
        )
        view = model_view(
            contract.reference,
            model,
            obligations_planned=planned,
            planned=_planned(session, model.id),
        )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="product_model",
            entity_id=model.id,
            contract_id=contract.id,
            action="added",
            after=audit_view(view),
        )
    return view


def _planned(session: Session, model_id: int) -> list[PlannedDuty]:
    rows = session.scalars(
        select(Obligation)
        .where(col(Obligation.product_model_id) == model_id)
        .order_by(col(Obligation.due_on), col(Obligation.id))
    )
    return [
        PlannedDuty(obligation_id=o.id or 0, title=o.title, due_on=o.due_on, status=o.status)
        for o in rows
    ]


def _find_model(session: Session, contract: Contract, model_id: int) -> ProductModel:
    model = session.get(ProductModel, model_id, with_for_update=True)
    if model is None or model.contract_id != contract.id:
        raise NotFound(f"{contract.reference} has no product model {model_id}", field="model_id")
    return model


def retire_model(
    ctx: Context,
    reference: str,
    model_id: int,
    *,
    reason: str,
    retired_on: date | None = None,
) -> ProductModelView:
    """No more deliveries of this model: its open duties due from `retired_on` on (default
    today) are closed as not applicable; earlier ones, already owed, stay open."""
    reason = validate.text(reason, field="reason", max_length=2000)
    if retired_on is not None:
        in_range(retired_on, field="retired_on")
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference, lock=True)
        assert contract.id is not None
        refuse_if_ended(contract)
        model = _find_model(session, contract, model_id)
        if model.retired_on is not None:
            raise BadInput(
                f"model {model_id} was retired on {model.retired_on.isoformat()}",
                field="model_id",
            )
        day = retired_on or local_today(ctx.now, contract.timezone)
        if day < contract.start_on:
            raise BadInput(
                f"is before the contract start {contract.start_on.isoformat()}",
                field="retired_on",
            )
        before = audit_view(model_view(reference, model))
        model.retired_on = day
        model.retire_reason = reason
        session.add(model)
        closing = list(
            session.scalars(
                select(Obligation).where(
                    col(Obligation.product_model_id) == model_id,
                    col(Obligation.status).in_(CLOSABLE),
                    col(Obligation.due_on) >= day,
                )
            )
        )
        for obligation in closing:
            obligation.status = ObligationStatus.NOT_APPLICABLE.value
            obligation.decision_reason = f"product model retired: {reason}"
            obligation.decided_by = ctx.actor
            obligation.closed_at = ctx.now
            obligation.next_reminder_at = None
            obligation.next_status_at = None
            obligation.updated_at = ctx.now
            session.add(obligation)
        view = model_view(reference, model, obligations_closed=len(closing))
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="product_model",
            entity_id=model_id,
            contract_id=contract.id,
            action="retired",
            before=before,
            after={**audit_view(view), "closed": sorted(o.id or 0 for o in closing)},
        )
    return view


def list_models(ctx: Context, reference: str) -> list[ProductModelView]:
    with read_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        models = session.scalars(
            select(ProductModel)
            .where(col(ProductModel.contract_id) == contract.id)
            .order_by(col(ProductModel.id))
        )
        return [model_view(reference, m) for m in models]
