"""Importing contracts from a file: upload (streamed, size-capped), check what would happen,
then confirm. Admins and managers, like adding a contract by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tracker.errors import BadInput
from tracker.exchange import upload as uploads
from tracker.people.roles import Action
from tracker.web.deps import Form, ImportUploadForm, Visit, allow
from tracker.web.forms import FormError, errors_of, optional, text, upload, values_of
from tracker.web.render import page

router = APIRouter()


def _page(
    request: Request,
    visit: Visit,
    *,
    result: uploads.FileImport | None = None,
    staged: uploads.StagedFile | None = None,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "import.html",
        title="Import contracts",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        result=result,
        staged=staged,
        limit_mb=max(1, visit.ctx.settings.import_max_bytes // (1024 * 1024)),
        errors=errors,
        values=values_of(form),
        failed="import" if errors else "",
        status_code=400 if errors else status_code,
    )


@router.get("/import")
def import_page(
    request: Request, visit: Annotated[Visit, Depends(allow(Action.ADD_CONTRACT))]
) -> HTMLResponse:
    return _page(request, visit)


@router.post("/import")
def check_file(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.ADD_CONTRACT))],
    form: ImportUploadForm,
) -> Response:
    part = upload(form, "file")
    manager = optional(form, "manager_email")
    attach = text(form, "attach_suggested") == "yes"
    try:
        if part is None:
            raise BadInput("choose a file to import", field="file")
        part.file.seek(0)
        staged = uploads.stage(visit.person.id, part.file, part.filename or "upload")
        result = uploads.import_staged(
            visit.ctx,
            visit.person.id,
            staged.key,
            dry_run=True,
            manager_email=manager,
            attach_suggested=attach,
        )
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form)
    if result.problems:
        uploads.discard(visit.person.id, staged.key)
        return _page(request, visit, result=result, form=form, status_code=400)
    return _page(request, visit, result=result, staged=staged, form=form)


@router.post("/import/confirm")
def confirm(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.ADD_CONTRACT))],
    form: Form,
) -> Response:
    try:
        result = uploads.import_staged(
            visit.ctx,
            visit.person.id,
            text(form, "key"),
            dry_run=False,
            manager_email=optional(form, "manager_email"),
            attach_suggested=text(form, "attach_suggested") == "yes",
        )
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form)
    # The result is shown on this answer: the staged file is gone, so posting it again
    # imports nothing twice.
    return _page(request, visit, result=result, status_code=400 if result.problems else 200)
