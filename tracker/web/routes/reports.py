"""Reports: produce one (scope, period, format) and download it, the record of past runs
(each file downloadable again, byte for byte), and the schedules that email reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tracker.dashboard.contracts import all_suppliers
from tracker.errors import BadInput
from tracker.people.roles import Action
from tracker.reports import produce_report
from tracker.reports.periods import EVERY
from tracker.reports.produce import FORMATS, MEDIA_TYPES
from tracker.reports.runs import list_runs, run_file, run_filename
from tracker.reports.schedules import add_schedule, list_schedules, remove_schedule
from tracker.web.deps import Form, Visit, allow
from tracker.web.downloads import attachment
from tracker.web.forms import FormError, errors_of, optional, text, values_of
from tracker.web.render import page, see_other

router = APIRouter()

SHOWN = 50


def _quarter(today: date) -> str:
    """The last full quarter: what a report is most often asked for."""
    q = (today.month - 1) // 3
    return f"{today.year - 1}-Q4" if q == 0 else f"{today.year}-Q{q}"


def _page(
    request: Request,
    visit: Visit,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    failed: str = "",
) -> HTMLResponse:
    scopes = [("portfolio", "Every contract")] + [
        (f"supplier:{s.id}", f"Supplier: {s.name}") for s in all_suppliers(visit.ctx)
    ]
    return page(
        request,
        "reports.html",
        title="Reports",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="reports",
        runs=list_runs(visit.ctx, limit=SHOWN),
        schedules=list_schedules(visit.ctx),
        scopes=scopes,
        formats=[(f, f.upper()) for f in FORMATS],
        every=[(e, e.capitalize()) for e in EVERY],
        period=_quarter(visit.ctx.now.date()),
        new_run=request.query_params.get("run", ""),
        errors=errors,
        values=values_of(form),
        failed=failed,
        status_code=400 if errors else 200,
    )


@router.get("/reports")
def reports(request: Request, visit: Annotated[Visit, Depends(allow(Action.READ))]) -> HTMLResponse:
    return _page(request, visit)


@router.post("/reports")
def produce(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.PRODUCE_REPORT))],
    form: Form,
) -> Response:
    try:
        made = produce_report(
            visit.ctx,
            # A contract reference, when given, narrows the chosen scope to that contract.
            scope=f"contract:{contract}"
            if (contract := optional(form, "contract"))
            else text(form, "scope"),
            period=text(form, "period"),
            fmt=text(form, "format"),
        )
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form, failed="produce")
    return see_other(f"/reports?done=report-produced&run={made.run_id}#run-{made.run_id}")


@router.get("/reports/runs/{run_id}/download")
def download(
    run_id: int,
    visit: Annotated[Visit, Depends(allow(Action.READ))],
    format: str = "html",
) -> Response:
    data = run_file(visit.ctx, run_id, format)
    return Response(
        data,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": attachment(run_filename(visit.ctx, run_id, format))},
    )


@router.post("/reports/schedules")
def schedule(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.SCHEDULE_REPORT))],
    form: Form,
) -> Response:
    try:
        add_schedule(
            visit.ctx,
            every=text(form, "every"),
            scope=text(form, "scope"),
            recipients=[r.strip() for r in text(form, "to").split(",") if r.strip()],
            formats=",".join(v for v in form.getlist("formats") if isinstance(v, str)),
            skip_if_empty=text(form, "skip_if_empty") == "yes",
        )
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form, failed="schedule")
    return see_other("/reports?done=report-scheduled#schedules")


@router.post("/reports/schedules/{schedule_id}/remove")
def unschedule(
    request: Request,
    schedule_id: int,
    visit: Annotated[Visit, Depends(allow(Action.SCHEDULE_REPORT))],
    form: Form,
) -> Response:
    try:
        remove_schedule(visit.ctx, schedule_id)
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form, failed="schedules")
    return see_other("/reports?done=schedule-removed#schedules")
