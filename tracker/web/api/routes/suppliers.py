"""Suppliers and their contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from tracker.contracts import (
    add_contact,
    add_supplier,
    edit_contact,
    edit_supplier,
    get_supplier,
    list_suppliers,
    remove_contact,
)
from tracker.contracts.results import (
    ContactPublic,
    RemovedContact,
    SupplierDetail,
    SupplierPublic,
    SupplierSummary,
)
from tracker.people.roles import Action
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.paging import Cursor, Limit, Page, paginate
from tracker.web.api.schemas import ContactCreate, ContactEdit, SupplierCreate, SupplierEdit

router = APIRouter(tags=["suppliers"])

SupplierId = Annotated[int, Path(ge=1, le=MAX_ID)]
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]
Reader = Annotated[Caller, Depends(allow(Action.READ))]
Editor = Annotated[Caller, Depends(allow(Action.EDIT_CONTRACT))]


@router.get("/suppliers")
def suppliers(
    request: Request, who: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[SupplierSummary]:
    return paginate(request, lambda _n: list_suppliers(who.ctx), limit=limit, cursor=cursor)


@router.get("/suppliers/{supplier_id}")
def supplier(supplier_id: SupplierId, who: Reader) -> SupplierDetail:
    return get_supplier(who.ctx, supplier_id)


@router.post("/suppliers", status_code=201)
def create_supplier(body: SupplierCreate, who: Editor) -> SupplierPublic:
    return add_supplier(
        who.ctx,
        name=body.name,
        email=body.email,
        country=body.country,
        identifiers=body.identifiers,
        contact_name=body.contact_name,
    )


@router.patch("/suppliers/{supplier_id}")
def change_supplier(supplier_id: SupplierId, body: SupplierEdit, who: Editor) -> SupplierPublic:
    return edit_supplier(
        who.ctx, supplier_id, name=body.name, country=body.country, identifiers=body.identifiers
    )


@router.post("/suppliers/{supplier_id}/contacts", status_code=201)
def create_contact(supplier_id: SupplierId, body: ContactCreate, who: Editor) -> ContactPublic:
    return add_contact(who.ctx, supplier_id, email=body.email, role=body.role, name=body.name)


@router.patch("/contacts/{contact_id}")
def change_contact(contact_id: ContactId, body: ContactEdit, who: Editor) -> ContactPublic:
    return edit_contact(who.ctx, contact_id, email=body.email, role=body.role, name=body.name)


@router.delete("/contacts/{contact_id}")
def delete_contact(contact_id: ContactId, who: Editor) -> RemovedContact:
    return remove_contact(who.ctx, contact_id)
