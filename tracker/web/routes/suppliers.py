"""Suppliers: the list with a search, one supplier's page, adding a supplier, and adding,
editing and removing its contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tracker.contracts import add_contact, add_supplier, edit_contact, remove_contact
from tracker.dashboard.suppliers import find_suppliers, supplier_page
from tracker.errors import BadInput
from tracker.models import ContactRole
from tracker.people.roles import Action
from tracker.web.deps import Form, Visit, allow
from tracker.web.forms import FormError, errors_of, optional, text, values_of
from tracker.web.render import page, see_other

router = APIRouter()

ROLES = [(r.value, r.value.capitalize()) for r in ContactRole]


def _list(
    request: Request,
    visit: Visit,
    q: str = "",
    *,
    page_: int = 1,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
) -> HTMLResponse:
    return page(
        request,
        "suppliers.html",
        title="Suppliers",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="suppliers",
        found=find_suppliers(visit.ctx, q=q, page=page_),
        roles=ROLES,
        errors=errors,
        values=values_of(form),
        failed="add-supplier" if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/suppliers")
def suppliers(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
    q: str = "",
    page_: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    return _list(request, visit, q, page_=page_)


@router.post("/suppliers")
def new_supplier(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.MANAGE_SUPPLIERS))],
    form: Form,
) -> Response:
    try:
        added = add_supplier(
            visit.ctx,
            name=text(form, "name"),
            email=text(form, "email"),
            country=optional(form, "country"),
            contact_name=optional(form, "contact_name"),
        )
    except BadInput as exc:
        return _list(request, visit, errors=errors_of(exc), form=form)
    return see_other(f"/suppliers/{added.id}?done=supplier-added")


def _page(
    request: Request,
    visit: Visit,
    supplier_id: int,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    failed: str = "",
) -> HTMLResponse:
    view = supplier_page(visit.ctx, supplier_id)
    return page(
        request,
        "supplier.html",
        title=view.supplier.name,
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="suppliers",
        view=view,
        roles=ROLES,
        errors=errors,
        values=values_of(form),
        failed=failed,
        status_code=400 if errors else 200,
    )


@router.get("/suppliers/{supplier_id}")
def supplier(
    request: Request, supplier_id: int, visit: Annotated[Visit, Depends(allow(Action.READ))]
) -> HTMLResponse:
    return _page(request, visit, supplier_id)


@router.post("/suppliers/{supplier_id}/contacts")
def new_contact(
    request: Request,
    supplier_id: int,
    visit: Annotated[Visit, Depends(allow(Action.MANAGE_SUPPLIERS))],
    form: Form,
) -> Response:
    try:
        add_contact(
            visit.ctx,
            supplier_id,
            email=text(form, "email"),
            role=text(form, "role"),
            name=optional(form, "name"),
        )
    except BadInput as exc:
        return _page(
            request, visit, supplier_id, errors=errors_of(exc), form=form, failed="add-contact"
        )
    return see_other(f"/suppliers/{supplier_id}?done=contact-added#contacts")


@router.post("/suppliers/{supplier_id}/contacts/{contact_id}")
def change_contact(
    request: Request,
    supplier_id: int,
    contact_id: int,
    visit: Annotated[Visit, Depends(allow(Action.MANAGE_SUPPLIERS))],
    form: Form,
) -> Response:
    try:
        edit_contact(
            visit.ctx,
            contact_id,
            email=optional(form, "email"),
            role=optional(form, "role"),
            name=optional(form, "name"),
        )
    except BadInput as exc:
        return _page(
            request,
            visit,
            supplier_id,
            errors=errors_of(exc),
            form=form,
            failed=f"contact-{contact_id}",
        )
    return see_other(f"/suppliers/{supplier_id}?done=contact-changed#contacts")


@router.post("/suppliers/{supplier_id}/contacts/{contact_id}/remove")
def drop_contact(
    request: Request,
    supplier_id: int,
    contact_id: int,
    visit: Annotated[Visit, Depends(allow(Action.MANAGE_SUPPLIERS))],
    form: Form,
) -> Response:
    try:
        remove_contact(visit.ctx, contact_id)
    except BadInput as exc:
        return _page(
            request,
            visit,
            supplier_id,
            errors=errors_of(exc),
            form=form,
            failed=f"contact-{contact_id}",
        )
    return see_other(f"/suppliers/{supplier_id}?done=contact-removed#contacts")
