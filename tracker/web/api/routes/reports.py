"""Compliance reports: produce one (recorded as a run), list the runs, download a run's file."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from tracker.people.roles import Action
from tracker.reports import ProducedReport, produce_report
from tracker.reports.produce import MEDIA_TYPES
from tracker.reports.runs import list_runs, run_file, run_filename
from tracker.web.api.auth import MAX_ID, Caller, allow
from tracker.web.api.paging import Cursor, Limit, Page, paginate
from tracker.web.api.schemas import ReportOrder, ReportRunRow
from tracker.web.downloads import attachment

router = APIRouter(tags=["reports"])

Reader = Annotated[Caller, Depends(allow(Action.READ))]


@router.post("/reports", status_code=201)
def produce(body: ReportOrder, who: Reader) -> ProducedReport:
    """Produce a report for a scope and period, as of now; download it from its run."""
    return produce_report(who.ctx, scope=body.scope, period=body.period, fmt=body.format)


@router.get("/reports")
def runs(
    request: Request, who: Reader, limit: Limit = 50, cursor: Cursor = None
) -> Page[ReportRunRow]:
    """Every report produced, newest first (never their bytes)."""
    return paginate(
        request,
        lambda n: [ReportRunRow(**row) for row in list_runs(who.ctx, limit=n)],
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/reports/{run_id}/{fmt}",
    response_class=Response,
    responses={200: {"content": {t.split(";")[0]: {} for t in MEDIA_TYPES.values()}}},
)
def download(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    fmt: Literal["html", "pdf", "csv", "xlsx"],
    who: Reader,
) -> Response:
    """The file of a run, byte for byte as it was produced, named as the CLI names it."""
    return Response(
        run_file(who.ctx, run_id, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": attachment(run_filename(who.ctx, run_id, fmt))},
    )
