"""Contracts: search and list, one contract with its schedule and events, create, edit,
attach a clause, close an event, end."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from tracker.contracts import (
    add_contract,
    attach_clause,
    close_event,
    edit_contract,
    end_contract,
    get_contract,
)
from tracker.contracts.results import (
    ClauseAttachment,
    ContractDetail,
    ContractEdit,
    ContractEnding,
    ContractPublic,
    EventClosing,
)
from tracker.dashboard import find_contracts
from tracker.dashboard.contracts import ContractRow
from tracker.people.roles import Action
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.paging import Page, next_link
from tracker.web.api.schemas import ClauseAttach, ContractCreate, ContractEnd, EventClose
from tracker.web.api.schemas import ContractEdit as ContractChanges

router = APIRouter(tags=["contracts"])

Reference = Annotated[str, Path(max_length=200, pattern=r"^[^\x00]+$")]
Reader = Annotated[Caller, Depends(allow(Action.READ))]


@router.get("/contracts")
def contracts(
    request: Request,
    who: Reader,
    q: Annotated[str, Query(max_length=200, pattern=r"^[^\x00]*$")] = "",
    status: Annotated[str | None, Query(max_length=50, pattern=r"^[^\x00]*$")] = None,
    supplier_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Page[ContractRow]:
    """Contracts whose reference, title or supplier contains `q`, 25 to a page."""
    found = find_contracts(who.ctx, q=q, status=status or None, supplier_id=supplier_id, page=page)
    more = found.page < found.pages
    return Page[ContractRow](
        items=found.items, next=next_link(request, page=found.page + 1) if more else None
    )


@router.get("/contracts/{reference:ref}")
def contract(
    reference: Reference, who: Annotated[Caller, Depends(allow(Action.READ, on="reference"))]
) -> ContractDetail:
    """The contract, its clauses and its schedule of obligations (with their ids)."""
    return get_contract(who.ctx, reference)


@router.post("/contracts", status_code=201)
def create_contract(
    body: ContractCreate, who: Annotated[Caller, Depends(allow(Action.EDIT_CONTRACT))]
) -> ContractPublic:
    return add_contract(
        who.ctx,
        reference=body.reference,
        supplier_id=body.supplier_id,
        title=body.title,
        start_on=body.start_on,
        end_on=body.end_on,
        signed_on=body.signed_on,
        manager_email=body.manager_email,
        timezone=body.timezone,
        country=body.country,
        buyer=body.buyer,
        value=body.value,
        currency=body.currency,
        cpv_codes=body.cpv_codes,
        status=body.status,
        reminder_time=body.reminder_time,
    )


Editor = Annotated[Caller, Depends(allow(Action.EDIT_CONTRACT, on="reference"))]


@router.patch("/contracts/{reference:ref}")
def change_contract(reference: Reference, body: ContractChanges, who: Editor) -> ContractEdit:
    """Change what is given; future obligations nobody acted on move with changed dates."""
    return edit_contract(
        who.ctx,
        reference,
        title=body.title,
        manager_email=body.manager_email,
        value=body.value,
        currency=body.currency,
        start_on=body.start_on,
        end_on=body.end_on,
        signed_on=body.signed_on,
        reminder_time=body.reminder_time,
    )


@router.post("/contracts/{reference:ref}/clauses", status_code=201)
def attach(reference: Reference, body: ClauseAttach, who: Editor) -> ClauseAttachment:
    """Pin the library's current version of a clause, with parameters, and plan its duties."""
    return attach_clause(
        who.ctx, reference, body.clause_id, params=body.params, plan_from=body.plan_from
    )


@router.post("/contracts/{reference:ref}/end")
def end(reference: Reference, body: ContractEnd, who: Editor) -> ContractEnding:
    """Terminate or cancel the contract on a date: later obligations are superseded."""
    return end_contract(
        who.ctx, reference, status=body.status, ended_on=body.ended_on, reason=body.reason
    )


@router.post("/contracts/{reference:ref}/events/{event_id}/close")
def close(
    reference: Reference,
    event_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: EventClose,
    who: Editor,
) -> EventClosing:
    """Close one of the contract's events (listed with the contract): the duties that repeat
    until it is closed and fall due after that day are superseded."""
    return close_event(
        who.ctx, event_id, closed_on=body.closed_on, note=body.note, reference=reference
    )
