"""Calendar feeds: a signed-in person's own subscription addresses, created and revoked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from tracker import exchange
from tracker.errors import BadInput
from tracker.people.roles import Action
from tracker.web.deps import Form, Visit, allow
from tracker.web.forms import FormError, errors_of, optional, text, values_of
from tracker.web.render import page, see_other

router = APIRouter()

COVERS = [("mine", "The contracts I manage"), ("contract", "One contract")]


def _page(
    request: Request,
    visit: Visit,
    *,
    created: exchange.NewFeed | None = None,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    failed: str = "",
) -> HTMLResponse:
    return page(
        request,
        "feeds.html",
        title="Calendar feeds",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="feeds",
        feeds=exchange.list_feeds(visit.ctx, created_by=visit.person.email),
        created=created,
        covers=COVERS,
        errors=errors,
        values=values_of(form),
        failed=failed if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/feeds")
def feeds(
    request: Request, visit: Annotated[Visit, Depends(allow(Action.SUBSCRIBE_CALENDAR))]
) -> HTMLResponse:
    return _page(request, visit)


@router.post("/feeds")
def new_feed(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.SUBSCRIBE_CALENDAR))],
    form: Form,
) -> Response:
    covers = text(form, "covers")
    try:
        if covers == "mine":
            created = exchange.add_feed(visit.ctx, manager_email=visit.person.email)
        elif covers == "contract":
            reference = optional(form, "contract")
            if reference is None:
                raise BadInput("enter the contract's reference", field="contract")
            created = exchange.add_feed(visit.ctx, contract=reference)
        else:
            raise BadInput("choose what the feed covers", field="covers")
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form, failed="add-feed")
    # The address is the key: shown on this answer only, never put in a redirect's URL.
    return _page(request, visit, created=created)


@router.post("/feeds/revoke")
def revoke(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.SUBSCRIBE_CALENDAR))],
    form: Form,
) -> Response:
    raw = text(form, "feed_id")
    try:
        if not raw.isdigit():
            raise BadInput("choose a feed to revoke", field="feed_id")
        exchange.revoke_feed(visit.ctx, int(raw), created_by=visit.person.email)
    except BadInput as exc:
        return _page(request, visit, errors=errors_of(exc), form=form, failed="revoke-feed")
    return see_other("/feeds?done=feed-revoked")
