"""The dashboard: what needs attention now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tracker.dashboard import dashboard as overview
from tracker.people.roles import Action
from tracker.web.deps import Visit, allow
from tracker.web.render import page

router = APIRouter()


@router.get("/")
def dashboard(
    request: Request, visit: Annotated[Visit, Depends(allow(Action.READ))]
) -> HTMLResponse:
    return page(
        request,
        "dashboard.html",
        title="Dashboard",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="dashboard",
        board=overview(visit.ctx, visit.person),
    )
