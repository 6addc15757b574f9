"""The outbox: emails waiting, failed, recently sent; retry a failed one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tracker.dashboard import outbox_page
from tracker.people.roles import Action
from tracker.reminders.outbox import retry
from tracker.web.deps import Form, Visit, allow
from tracker.web.render import page, see_other

router = APIRouter()


@router.get("/outbox")
def outbox(request: Request, visit: Annotated[Visit, Depends(allow(Action.READ))]) -> HTMLResponse:
    return page(
        request,
        "outbox.html",
        title="Outbox",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="outbox",
        view=outbox_page(visit.ctx, visit.person),
    )


@router.post("/outbox/{outbox_id}/retry")
def retry_message(
    outbox_id: int,
    visit: Annotated[Visit, Depends(allow(Action.RETRY_MAIL))],
    form: Form,
) -> Response:
    retry(visit.ctx, outbox_id)
    return see_other("/outbox?done=retried")
