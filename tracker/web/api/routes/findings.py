"""Findings and their corrective action plans: list, record, correct."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from tracker import people
from tracker.errors import BadInput, NotFound
from tracker.findings import (
    FindingRow,
    FindingView,
    RaisedFinding,
    add_finding,
    edit_finding,
    list_findings,
    show_finding,
)
from tracker.people.roles import Action
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.paging import Cursor, Limit, Page, paginate
from tracker.web.api.schemas import FindingCreate, FindingEdit

router = APIRouter(tags=["findings"])

Recorder = Annotated[Caller, Depends(allow(Action.RECORD_FINDING))]


@router.get("/findings")
def findings(
    request: Request,
    who: Annotated[Caller, Depends(allow(Action.READ))],
    contract: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    supplier_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[str | None, Query(max_length=50, pattern=r"^[^\x00]*$")] = None,
    severity: Annotated[str | None, Query(max_length=50, pattern=r"^[^\x00]*$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[FindingRow]:
    return paginate(
        request,
        lambda n: list_findings(
            who.ctx,
            contract=contract,
            supplier_id=supplier_id,
            status=status,
            severity=severity,
            limit=n,
        ),
        limit=limit,
        cursor=cursor,
    )


@router.post("/findings", status_code=201)
def record(body: FindingCreate, who: Recorder) -> RaisedFinding:
    """A finding on a contract or one of its obligations; with `cap` (the default) it gets
    a corrective action plan and the supplier is told."""
    # A manager records findings only on the contracts they manage: check the one named.
    if body.obligation_id is not None:
        people.check(who.ctx, who.person, Action.RECORD_FINDING, obligation_id=body.obligation_id)
    elif body.contract is not None:
        people.check(who.ctx, who.person, Action.RECORD_FINDING, reference=body.contract)
    return add_finding(
        who.ctx,
        severity=body.severity,
        text=body.text,
        obligation_id=body.obligation_id,
        contract=body.contract,
        due=body.due,
        cap=body.cap,
    )


@router.patch("/findings/{finding_id}")
def correct(
    finding_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: FindingEdit, who: Recorder
) -> FindingView:
    """Correct what a finding says or how severe it is (its plan's deadline stays)."""
    try:
        found = show_finding(who.ctx, finding_id)
    except BadInput as exc:
        raise NotFound(exc.message, field="finding_id") from None
    people.check(who.ctx, who.person, Action.RECORD_FINDING, reference=found.contract)
    return edit_finding(who.ctx, finding_id, text=body.text, severity=body.severity)
