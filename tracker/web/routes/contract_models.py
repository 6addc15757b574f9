"""The product models delivered under a contract: add one (from the contract page), retire
one after confirming. The models and their certificates are shown on the contract page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tracker.contracts import add_model, list_models, retire_model
from tracker.errors import BadInput, NotFound
from tracker.people.roles import Action
from tracker.web.deps import Form, Visit, allow
from tracker.web.forms import FormError, errors_of, text, values_of
from tracker.web.references import contract_path
from tracker.web.render import page, see_other
from tracker.web.routes.contract_forms import form_date
from tracker.web.routes.contracts import contract_view

router = APIRouter()

Editor = Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))]
ModelId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/contracts/{reference:ref}/models")
def add(request: Request, reference: str, visit: Editor, form: Form) -> Response:
    try:
        first = form_date(form, "first_delivery_on", required=True)
        assert first is not None
        added = add_model(
            visit.ctx,
            reference,
            manufacturer=text(form, "manufacturer"),
            name=text(form, "name"),
            product_type=text(form, "product_type"),
            first_delivery_on=first,
            last_delivery_on=form_date(form, "last_delivery_on"),
        )
    except BadInput as exc:
        return contract_view(request, visit, reference, errors=errors_of(exc), form=form)
    return see_other(
        f"{contract_path(reference)}?done=model-added&model={added.id}#model-{added.id}"
    )


def _retire_page(
    request: Request,
    visit: Visit,
    reference: str,
    model_id: int,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
) -> HTMLResponse:
    model = next((m for m in list_models(visit.ctx, reference) if m.id == model_id), None)
    if model is None:
        raise NotFound(f"{reference} has no product model {model_id}", field="model_id")
    return page(
        request,
        "model_retire.html",
        title=f"Retire {model.manufacturer} {model.name}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        model=model,
        errors=errors,
        values=values_of(form),
        failed="retire" if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/contracts/{reference:ref}/models/{model_id}/retire")
def confirm_retire(
    request: Request, reference: str, model_id: ModelId, visit: Editor
) -> HTMLResponse:
    """The confirmation: what retiring closes, and the reason asked for. Changes nothing."""
    return _retire_page(request, visit, reference, model_id)


@router.post("/contracts/{reference:ref}/models/{model_id}/retire")
def retire(
    request: Request, reference: str, model_id: ModelId, visit: Editor, form: Form
) -> Response:
    try:
        retire_model(
            visit.ctx,
            reference,
            model_id,
            reason=text(form, "reason"),
            retired_on=form_date(form, "retired_on"),
        )
    except BadInput as exc:
        return _retire_page(request, visit, reference, model_id, errors=errors_of(exc), form=form)
    return see_other(f"{contract_path(reference)}?done=model-retired#model-{model_id}")
