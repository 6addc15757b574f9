"""Obligations: list with filters, one with its decisions, evidence and reminders, extend,
waive."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from tracker.obligations import (
    Extended,
    ObligationDetail,
    ObligationRow,
    Waived,
    extend,
    list_obligations,
    show_obligation,
    waive,
)
from tracker.people.roles import Action
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.paging import Cursor, Limit, Page, paginate
from tracker.web.api.schemas import Extension, Waiver

router = APIRouter(tags=["obligations"])

ObligationId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/obligations")
def obligations(
    request: Request,
    who: Annotated[Caller, Depends(allow(Action.READ))],
    contract: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    supplier_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[str | None, Query(max_length=50, pattern=r"^[^\x00]*$")] = None,
    due_before: date | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ObligationRow]:
    """Obligations by due date, filtered by contract, supplier, status and deadline."""
    return paginate(
        request,
        lambda n: list_obligations(
            who.ctx,
            contract=contract,
            supplier_id=supplier_id,
            status=status,
            due_before=due_before,
            limit=n,
        ),
        limit=limit,
        cursor=cursor,
    )


@router.get("/obligations/{obligation_id}")
def obligation(
    obligation_id: ObligationId,
    who: Annotated[Caller, Depends(allow(Action.READ, on="obligation_id"))],
) -> ObligationDetail:
    """The obligation, the decisions on its escalation, its evidence (restricted content
    withheld) and every reminder about it."""
    return show_obligation(who.ctx, obligation_id)


@router.post("/obligations/{obligation_id}/extend")
def extend_obligation(
    obligation_id: ObligationId,
    body: Extension,
    who: Annotated[Caller, Depends(allow(Action.EDIT_CONTRACT, on="obligation_id"))],
) -> Extended:
    """Give more time: a later deadline, with the reason kept in the audit trail."""
    return extend(who.ctx, obligation_id, to=body.to, reason=body.reason)


@router.post("/obligations/{obligation_id}/waive")
def waive_obligation(
    obligation_id: ObligationId,
    body: Waiver,
    who: Annotated[Caller, Depends(allow(Action.WAIVE, on="obligation_id"))],
) -> Waived:
    return waive(who.ctx, obligation_id, reason=body.reason, not_applicable=body.not_applicable)
