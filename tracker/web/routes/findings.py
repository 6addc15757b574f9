"""Findings and their corrective action plans: the list, one finding, recording one on a
contract or an obligation, correcting it. A finding closes when the evidence for its plan
(an obligation of its own) is accepted, so its page leads to that obligation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tracker.dashboard import obligation_page
from tracker.dashboard.words import relative
from tracker.domain.schedule import local_today
from tracker.errors import BadInput
from tracker.findings import (
    FindingRow,
    FindingView,
    Severity,
    add_finding,
    edit_finding,
    list_findings,
    show_finding,
)
from tracker.models import FindingStatus
from tracker.people.roles import Action
from tracker.web.deps import Form, Visit, allow
from tracker.web.forms import FormError, errors_of, optional, text, values_of
from tracker.web.references import contract_path
from tracker.web.render import page, see_other

router = APIRouter()

SEVERITIES = [(s.value, s.value.capitalize()) for s in Severity]
STATUSES = [s.value for s in FindingStatus]


def _when(visit: Visit, f: FindingRow | FindingView) -> str:
    if f.cap_due_on is None or f.status != FindingStatus.OPEN:
        return ""
    return relative(f.cap_due_on, local_today(visit.ctx.now, f.timezone))


@router.get("/findings")
def findings(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
    status: str = "",
    severity: str = "",
    contract: str = "",
) -> HTMLResponse:
    rows = list_findings(
        visit.ctx,
        status=status or None,
        severity=severity or None,
        contract=contract.strip() or None,
    )
    return page(
        request,
        "findings.html",
        title="Findings",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="findings",
        rows=rows,
        when={f.id: _when(visit, f) for f in rows},
        status=status,
        severity=severity,
        contract=contract.strip(),
        statuses=STATUSES,
        severities=SEVERITIES,
    )


def _finding(
    request: Request,
    visit: Visit,
    finding_id: int,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
) -> HTMLResponse:
    view = show_finding(visit.ctx, finding_id)
    return page(
        request,
        "finding.html",
        title=f"Finding {finding_id} on {view.contract}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="findings",
        f=view,
        when=_when(visit, view),
        severities=SEVERITIES,
        errors=errors,
        values=values_of(form),
        failed="edit-finding" if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/findings/{finding_id}")
def finding(
    request: Request, finding_id: int, visit: Annotated[Visit, Depends(allow(Action.READ))]
) -> HTMLResponse:
    return _finding(request, visit, finding_id)


@router.post("/findings/{finding_id}")
def change_finding(
    request: Request,
    finding_id: int,
    visit: Annotated[Visit, Depends(allow(Action.RECORD_FINDING, on="finding_id"))],
    form: Form,
) -> Response:
    before = show_finding(visit.ctx, finding_id)
    new_text, new_severity = optional(form, "text"), optional(form, "severity")
    try:
        edit_finding(
            visit.ctx,
            finding_id,
            # Only what changed: the form shows both, the use case refuses "no change".
            text=new_text if new_text != before.text else None,
            severity=new_severity if new_severity != before.severity else None,
        )
    except BadInput as exc:
        return _finding(request, visit, finding_id, errors=errors_of(exc), form=form)
    return see_other(f"/findings/{finding_id}?done=finding-changed")


def _new(
    request: Request,
    visit: Visit,
    *,
    reference: str,
    obligation: str | None,
    action: str,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
) -> HTMLResponse:
    return page(
        request,
        "finding_new.html",
        title=f"Record a finding on {obligation or reference}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="findings",
        reference=reference,
        obligation=obligation,
        action=action,
        severities=SEVERITIES,
        errors=errors,
        values=values_of(form),
        failed="new-finding" if errors else "",
        status_code=400 if errors else 200,
    )


def _due(form: FormData) -> date | None:
    value = optional(form, "due")
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a date; use YYYY-MM-DD", field="due") from None


def _record(
    visit: Visit, form: FormData, *, contract: str | None = None, obligation_id: int | None = None
) -> int:
    raised = add_finding(
        visit.ctx,
        severity=text(form, "severity"),
        text=text(form, "text"),
        due=_due(form),
        cap=text(form, "cap") != "no",
        contract=contract,
        obligation_id=obligation_id,
    )
    return raised.id


@router.get("/contracts/{reference:ref}/findings/new")
def new_on_contract(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.RECORD_FINDING, on="reference"))],
) -> HTMLResponse:
    return _new(
        request, visit, reference=reference, obligation=None,
        action=contract_path(reference, "findings"),
    )  # fmt: skip


@router.post("/contracts/{reference:ref}/findings")
def add_on_contract(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.RECORD_FINDING, on="reference"))],
    form: Form,
) -> Response:
    try:
        finding_id = _record(visit, form, contract=reference)
    except BadInput as exc:
        return _new(
            request, visit, reference=reference, obligation=None,
            action=contract_path(reference, "findings"), errors=errors_of(exc), form=form,
        )  # fmt: skip
    return see_other(f"/findings/{finding_id}?done=finding-added")


@router.get("/obligations/{obligation_id}/findings/new")
def new_on_obligation(
    request: Request,
    obligation_id: int,
    visit: Annotated[Visit, Depends(allow(Action.RECORD_FINDING, on="obligation_id"))],
) -> HTMLResponse:
    o = obligation_page(visit.ctx, obligation_id, visit.person)
    return _new(
        request, visit, reference=o.reference, obligation=o.title,
        action=f"/obligations/{obligation_id}/findings",
    )  # fmt: skip


@router.post("/obligations/{obligation_id}/findings")
def add_on_obligation(
    request: Request,
    obligation_id: int,
    visit: Annotated[Visit, Depends(allow(Action.RECORD_FINDING, on="obligation_id"))],
    form: Form,
) -> Response:
    try:
        finding_id = _record(visit, form, obligation_id=obligation_id)
    except BadInput as exc:
        o = obligation_page(visit.ctx, obligation_id, visit.person)
        return _new(
            request, visit, reference=o.reference, obligation=o.title,
            action=f"/obligations/{obligation_id}/findings", errors=errors_of(exc), form=form,
        )  # fmt: skip
    return see_other(f"/findings/{finding_id}?done=finding-added")
