"""`GET /ics/<token>.ics`: a calendar feed, opened by its secret address (no sign-in).

An unknown, revoked or orphaned token gets the same short 404, so an address reveals
nothing about other feeds; the access log shows `/ics/[feed].ics` (see portal/logs.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, Response

from tracker import exchange
from tracker.context import Context
from tracker.web.deps import anonymous_context

router = APIRouter()


@router.get("/ics/{token}.ics")
def calendar(token: str, ctx: Annotated[Context, Depends(anonymous_context)]) -> Response:
    feed = exchange.open_feed(ctx, token)
    if feed is None:
        return PlainTextResponse("There is no calendar at this address.\n", status_code=404)
    return Response(
        feed.content,
        media_type=feed.media_type,
        headers={"Content-Disposition": 'inline; filename="deadlines.ics"'},
    )
