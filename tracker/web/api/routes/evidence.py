"""Evidence: upload (multipart, its size counted while it streams in), list, download,
review."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from starlette.datastructures import FormData

from tracker.errors import BadInput
from tracker.evidence import (
    FORMATS,
    EvidenceRow,
    Review,
    ReviewOutcome,
    Submission,
    SubmittedEvidence,
    add_evidence,
    list_evidence,
    open_evidence_file,
    review_evidence,
)
from tracker.people.roles import Action
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.errors import ErrorBody
from tracker.web.api.paging import Cursor, Limit, Page, paginate
from tracker.web.api.schemas import UPLOAD_SCHEMA, ReviewDecision
from tracker.web.deps import upload_limit
from tracker.web.downloads import evidence_response
from tracker.web.errors import TooLarge
from tracker.web.forms import UPLOAD_OVERHEAD, optional, read_form, received_file, text, upload

router = APIRouter(tags=["evidence"])

FIELD_PREFIX = "fields."


async def upload_body(request: Request) -> AsyncIterator[FormData]:
    """The multipart body, read only up to the evidence size limit (413 past it)."""
    form = await read_form(request, limit=upload_limit(request) + UPLOAD_OVERHEAD)
    try:
        yield form
    finally:
        await form.close()


def _date(form: FormData, name: str) -> date | None:
    value = optional(form, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a date; use YYYY-MM-DD", field=name) from None


@router.post(
    "/obligations/{obligation_id}/evidence",
    status_code=201,
    openapi_extra={"requestBody": UPLOAD_SCHEMA},
    responses={413: {"model": ErrorBody, "description": "The file is over the size limit"}},
)
def submit(
    request: Request,
    obligation_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    who: Annotated[Caller, Depends(allow(Action.SUBMIT_EVIDENCE, on="obligation_id"))],
    form: Annotated[FormData, Depends(upload_body)],
) -> list[SubmittedEvidence]:
    """One file (`file`) or a link (`url`), its type, dates and the fields its type asks
    for as `fields.NAME` parts. Each stored row is returned in its final state."""
    part = upload(form, "file")
    if part is not None and part.size is not None and part.size > upload_limit(request):
        raise TooLarge(upload_limit(request))
    sub = Submission(
        evidence_type=text(form, "evidence_type"),
        url=optional(form, "url"),
        name=part.filename if part is not None else None,
        fields={
            k.removeprefix(FIELD_PREFIX): v.strip()
            for k, v in form.items()
            if k.startswith(FIELD_PREFIX) and isinstance(v, str)
        },
        valid_from=_date(form, "valid_from"),
        valid_until=_date(form, "valid_until"),
        note=optional(form, "note"),
    )
    if part is None:
        return add_evidence(who.ctx, obligation_id, sub)
    with received_file(part) as path:
        return add_evidence(who.ctx, obligation_id, replace(sub, files=[path]))


@router.get("/evidence")
def evidence(
    request: Request,
    who: Annotated[Caller, Depends(allow(Action.READ))],
    obligation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    contract: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    status: Annotated[str | None, Query(max_length=50, pattern=r"^[^\x00]*$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[EvidenceRow]:
    """Evidence rows; the file name and link of restricted evidence are withheld."""
    return paginate(
        request,
        lambda n: list_evidence(
            who.ctx, obligation_id=obligation_id, contract=contract, status=status, limit=n
        ),
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/evidence/{evidence_id}/file",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The stored file, as an attachment under its original name",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in sorted(
                    {f.media_type for f in FORMATS.values()} | {"application/octet-stream"}
                )
            },
        },
        403: {"model": ErrorBody, "description": "Restricted, and not for this person"},
        404: {"model": ErrorBody, "description": "No such evidence, or it is a link"},
    },
)
def evidence_file(
    evidence_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    who: Annotated[Caller, Depends(allow(Action.READ, on="evidence_id"))],
) -> FileResponse:
    """The file of a piece of evidence. Restricted files go only to the contract's manager,
    a reviewer or an admin; every download is an audit event."""
    return evidence_response(open_evidence_file(who.ctx, who.person, evidence_id))


@router.post("/evidence/{evidence_id}/review")
def review(
    evidence_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: ReviewDecision,
    who: Annotated[Caller, Depends(allow(Action.REVIEW_EVIDENCE, on="evidence_id"))],
) -> ReviewOutcome:
    """Accept, or reject saying why (the supplier is told) and by when to send it again."""
    return review_evidence(
        who.ctx,
        evidence_id,
        Review(
            accept=body.decision == "accept",
            reason=body.reason,
            checked=body.checked,
            resubmit_by=body.resubmit_by,
            allow_earlier=body.allow_earlier,
        ),
    )
