"""An obligation's page, and what people do there: upload evidence, download and review it,
waive."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import FormData

from tracker.dashboard import obligation_page
from tracker.errors import BadInput
from tracker.evidence.download import open_evidence_file
from tracker.evidence.review import Review, review_evidence
from tracker.evidence.submission import Submission, add_evidence
from tracker.obligations.decisions import waive
from tracker.people.roles import Action
from tracker.web.deps import Form, UploadForm, Visit, allow, upload_limit
from tracker.web.downloads import evidence_response
from tracker.web.errors import TooLarge
from tracker.web.forms import FormError, errors_of, optional, received_file, text, upload
from tracker.web.render import page, see_other

router = APIRouter()

FIELD_PREFIX = "fields."


def _page(
    request: Request,
    visit: Visit,
    obligation_id: int,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    failed: str = "",
) -> HTMLResponse:
    view = obligation_page(visit.ctx, obligation_id, visit.person)
    values = {k: v for k, v in (form or {}).items() if isinstance(v, str) and k != "csrf_token"}
    return page(
        request,
        "obligation.html",
        title=f"{view.title} ({view.reference})",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        view=view,
        errors=errors,
        values=values,
        failed=failed,
        status_code=400 if errors else 200,
    )


@router.get("/obligations/{obligation_id}")
def obligation(
    request: Request,
    obligation_id: int,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
) -> HTMLResponse:
    return _page(request, visit, obligation_id)


def _date(form: FormData, name: str) -> date | None:
    value = optional(form, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a date; use YYYY-MM-DD", field=name) from None


@router.post("/obligations/{obligation_id}/evidence")
def add(
    request: Request,
    obligation_id: int,
    visit: Annotated[Visit, Depends(allow(Action.SUBMIT_EVIDENCE, on="obligation_id"))],
    form: UploadForm,
) -> Response:
    kind = text(form, "evidence_type")
    part = upload(form, "file")
    if part is not None and part.size is not None and part.size > upload_limit(request):
        raise TooLarge(upload_limit(request))
    fields = {
        k.removeprefix(FIELD_PREFIX): v.strip()
        for k, v in form.items()
        if k.startswith(FIELD_PREFIX) and isinstance(v, str)
    }
    try:
        sub = Submission(
            evidence_type=kind,
            url=optional(form, "url"),
            name=part.filename if part is not None else None,
            fields=fields,
            valid_from=_date(form, "valid_from"),
            valid_until=_date(form, "valid_until"),
            note=optional(form, "note"),
        )
        if part is None:
            add_evidence(visit.ctx, obligation_id, sub)
        else:
            with received_file(part) as path:
                add_evidence(visit.ctx, obligation_id, replace(sub, files=[path]))
    except BadInput as exc:
        return _page(
            request, visit, obligation_id, errors=errors_of(exc), form=form, failed=f"add-{kind}"
        )
    return see_other(f"/obligations/{obligation_id}?done=uploaded")


@router.get("/evidence/{evidence_id}/file")
def evidence_file(
    evidence_id: int,
    visit: Annotated[Visit, Depends(allow(Action.READ, on="evidence_id"))],
) -> FileResponse:
    # Reading the contract is the floor; the use case decides on restricted files.
    return evidence_response(open_evidence_file(visit.ctx, visit.person, evidence_id))


@router.post("/evidence/{evidence_id}/review")
def review(
    request: Request,
    evidence_id: int,
    visit: Annotated[Visit, Depends(allow(Action.REVIEW_EVIDENCE, on="evidence_id"))],
    form: Form,
) -> Response:
    obligation_id = int(text(form, "obligation_id") or 0)
    decision = text(form, "decision")
    try:
        if decision not in ("accept", "reject"):
            raise BadInput("choose accept or reject", field="decision")
        done = review_evidence(
            visit.ctx,
            evidence_id,
            Review(
                accept=decision == "accept",
                reason=optional(form, "reason"),
                checked=[v for v in form.getlist("checked") if isinstance(v, str)],
                resubmit_by=_date(form, "resubmit_by"),
            ),
        )
    except BadInput as exc:
        if not obligation_id:
            raise
        return _page(
            request,
            visit,
            obligation_id,
            errors=errors_of(exc),
            form=form,
            failed=f"review-{evidence_id}",
        )
    outcome = "accepted" if decision == "accept" else "rejected"
    return see_other(f"/obligations/{done.obligation_id}?done={outcome}")


@router.post("/obligations/{obligation_id}/waive")
def waive_obligation(
    request: Request,
    obligation_id: int,
    visit: Annotated[Visit, Depends(allow(Action.WAIVE, on="obligation_id"))],
    form: Form,
) -> Response:
    try:
        waive(visit.ctx, obligation_id, reason=text(form, "reason"))
    except BadInput as exc:
        return _page(
            request, visit, obligation_id, errors=errors_of(exc), form=form, failed="waive"
        )
    return see_other(f"/obligations/{obligation_id}?done=waived")
