"""Contracts: the searchable list and one contract's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from tracker.dashboard import contract_page, find_contracts
from tracker.people.roles import Action
from tracker.web.deps import Visit, allow, settings_of
from tracker.web.forms import FormError, values_of
from tracker.web.render import page

router = APIRouter()


@router.get("/contracts")
def contracts(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
    q: str = "",
    status: str = "",
    supplier: str = "",
    page_: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    found = find_contracts(
        visit.ctx,
        q=q,
        status=status or None,
        supplier_id=int(supplier) if supplier.isdigit() else None,
        page=page_,
    )
    return page(
        request,
        "contracts.html",
        title="Contracts",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        found=found,
    )


def contract_view(
    request: Request,
    visit: Visit,
    reference: str,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    failed: str = "add-model",
) -> HTMLResponse:
    """The contract page; after a failed form on it ("Add a model", "Close event"), with
    its errors and what was typed."""
    view = contract_page(visit.ctx, reference, visit.person)
    added = request.query_params.get("model", "")
    return page(
        request,
        "contract.html",
        title=f"Contract {reference}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        view=view,
        site_reminder_time=f"{settings_of(request).reminder_hour:02d}:00",
        added=int(added) if added.isdigit() and not errors else None,
        errors=errors,
        values=values_of(form),
        failed=failed if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/contracts/{reference:ref}")
def contract(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
) -> HTMLResponse:
    return contract_view(request, visit, reference)
