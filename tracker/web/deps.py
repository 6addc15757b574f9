"""The one dependency that authenticates and authorises every page: `allow(action, on=...)`.

It reads the signed session cookie, asks `tracker.people` who is behind it, and checks the
permission table (on the contract of the record named by the path parameter `on`, for
actions a manager may do only on the contracts they manage). Every route but sign-in and
static files declares one; `create_app` refuses to start otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from tracker import people
from tracker.config import Settings
from tracker.context import Context
from tracker.db import get_engine
from tracker.people.roles import Action, Person
from tracker.web.errors import CsrfRefused, SignInNeeded
from tracker.web.forms import SMALL_FORM, read_form
from tracker.web.security import CSRF_FIELD, FORM_COOKIE, SESSION_COOKIE, Keys

# Path parameters that name the record an action is on, and the keyword `people.check` takes.
RECORD_KEYS = {
    "reference": "reference",
    "obligation_id": "obligation_id",
    "evidence_id": "evidence_id",
    "finding_id": "finding_id",
}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def keys_of(request: Request) -> Keys:
    keys: Keys = request.app.state.keys
    return keys


def now_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def anonymous_context(request: Request) -> Context:
    settings = settings_of(request)
    return Context(
        settings=settings,
        engine=get_engine(settings.database_url),
        now=now_of(request),
        actor="web:anonymous",
    )


@dataclass(frozen=True)
class Visit:
    """One signed-in request: who, the use-case context acting as them, the form token."""

    person: Person
    ctx: Context
    csrf_token: str
    session_token: str


def session_token(request: Request) -> str | None:
    return keys_of(request).unsign(request.cookies.get(SESSION_COOKIE))


def signed_in(request: Request) -> Visit:
    token = session_token(request)
    if token is None:
        raise SignInNeeded
    base = anonymous_context(request)
    found = people.current(base, token)
    if found is None:
        raise SignInNeeded
    ctx = Context(
        settings=base.settings, engine=base.engine, now=base.now, actor=found.person.email
    )
    visit = Visit(
        person=found.person,
        ctx=ctx,
        csrf_token=keys_of(request).csrf(token),
        session_token=token,
    )
    request.state.visit = visit  # error pages show the navigation of who is signed in
    return visit


def allow(action: Action, *, on: str | None = None) -> Callable[..., Visit]:
    """The dependency for a route doing `action` (on the record named by path param `on`)."""
    if on is not None and on not in RECORD_KEYS:
        raise ValueError(f"cannot check access on {on!r}")

    def dependency(request: Request, visit: Annotated[Visit, Depends(signed_in)]) -> Visit:
        record: dict[str, Any] = {}
        if on is not None:
            raw = request.path_params[on]
            record[RECORD_KEYS[on]] = raw if on == "reference" else int(raw)
        people.check(visit.ctx, visit.person, action, **record)
        return visit

    dependency.action = action  # type: ignore[attr-defined]
    dependency.on = on  # type: ignore[attr-defined]
    return dependency


async def _checked(
    request: Request, *, bound_to: str | None, limit: int
) -> AsyncIterator[FormData]:
    form = await read_form(request, limit=limit)
    try:
        given = form.get(CSRF_FIELD)
        if not keys_of(request).csrf_ok(bound_to, given if isinstance(given, str) else None):
            raise CsrfRefused
        yield form
    finally:
        await form.close()


async def posted_form(request: Request) -> AsyncIterator[FormData]:
    """A signed-in person's small form, its CSRF token checked."""
    async for form in _checked(request, bound_to=session_token(request), limit=SMALL_FORM):
        yield form


async def sign_in_form(request: Request) -> AsyncIterator[FormData]:
    """The sign-in form, its token tied to this browser's form cookie."""
    bound = keys_of(request).unsign(request.cookies.get(FORM_COOKIE))
    async for form in _checked(request, bound_to=bound, limit=SMALL_FORM):
        yield form


def upload_limit(request: Request) -> int:
    return settings_of(request).evidence_max_bytes


async def upload_form(request: Request) -> AsyncIterator[FormData]:
    from tracker.web.forms import UPLOAD_OVERHEAD

    limit = upload_limit(request) + UPLOAD_OVERHEAD
    async for form in _checked(request, bound_to=session_token(request), limit=limit):
        yield form


async def import_upload_form(request: Request) -> AsyncIterator[FormData]:
    """A contracts file for the import page: up to TRACKER_IMPORT_MAX_BYTES, counted while
    it streams in (Starlette spools the file part to disk)."""
    from tracker.web.forms import UPLOAD_OVERHEAD

    limit = settings_of(request).import_max_bytes + UPLOAD_OVERHEAD
    async for form in _checked(request, bound_to=session_token(request), limit=limit):
        yield form


Form = Annotated[FormData, Depends(posted_form)]
UploadForm = Annotated[FormData, Depends(upload_form)]
ImportUploadForm = Annotated[FormData, Depends(import_upload_form)]
SignInForm = Annotated[FormData, Depends(sign_in_form)]
