"""The product models delivered under a contract: list them with their certificates, add
one (planning its certificate duties), retire one (closing its later duties)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from tracker.contracts import ContractModels, add_model, contract_models, retire_model
from tracker.contracts.models_delivered import ProductModelView
from tracker.people.roles import Action
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.routes.contracts import Editor, Reference
from tracker.web.api.schemas import ModelCreate, ModelRetire

router = APIRouter(tags=["product models"])

ModelId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/contracts/{reference:ref}/models")
def models(
    reference: Reference, who: Annotated[Caller, Depends(allow(Action.READ, on="reference"))]
) -> ContractModels:
    """Each model with, per certificate scheme (clause asking for a certificate per model),
    its latest accepted certificate, its duties and its status: `valid`, `expiring` (a
    renewal is in its reminder window), `missing`, `overdue`, `retired`; `no_scheme` when no
    such clause is attached."""
    return contract_models(who.ctx, reference)


@router.post("/contracts/{reference:ref}/models", status_code=201)
def add(reference: Reference, body: ModelCreate, who: Editor) -> ProductModelView:
    """Register a delivered model; `planned` lists the obligations planned for it."""
    return add_model(
        who.ctx,
        reference,
        manufacturer=body.manufacturer,
        name=body.name,
        product_type=body.product_type,
        first_delivery_on=body.first_delivery_on,
        last_delivery_on=body.last_delivery_on,
    )


@router.post("/contracts/{reference:ref}/models/{model_id}/retire")
def retire(
    reference: Reference, model_id: ModelId, body: ModelRetire, who: Editor
) -> ProductModelView:
    """No more deliveries: its obligations due from `retired_on` on are closed."""
    return retire_model(
        who.ctx, reference, model_id, reason=body.reason, retired_on=body.retired_on
    )
