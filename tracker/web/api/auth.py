"""Who calls the API: a personal token in `Authorization: Bearer ...`, checked against the
same permission table as the pages through `allow(action, on=...)`.

No cookies: a browser's sign-in cookie is refused as a credential here, so a page an
attacker makes a signed-in browser send cannot act through the API (no CSRF to defend).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tracker import people
from tracker.context import Context
from tracker.errors import NotFound
from tracker.people.roles import Action, Person
from tracker.web.deps import RECORD_KEYS, anonymous_context

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="ctk_...",
    description="A personal token made with `tracker user token EMAIL`; it acts as its "
    "person, with their role.",
)
# Ids beyond this are no record (and would overflow an INTEGER column in PostgreSQL).
MAX_ID = 2**31 - 1


class Unauthorized(Exception):
    """No usable bearer token: the answer is 401."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Caller:
    """One authenticated API request: who, and the use-case context acting as them."""

    person: Person
    ctx: Context


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None:
        if request.cookies:
            raise Unauthorized(
                "the API does not take sign-in cookies; send a personal token as "
                "'Authorization: Bearer <token>'"
            )
        raise Unauthorized("send a personal token as 'Authorization: Bearer <token>'")
    base = anonymous_context(request)
    person = people.person_for_token(base, credentials.credentials)
    if person is None:
        raise Unauthorized(
            "this token is unknown or revoked, or its person's account is disabled or expired"
        )
    ctx = Context(settings=base.settings, engine=base.engine, now=base.now, actor=person.email)
    return Caller(person=person, ctx=ctx)


def record_key(on: str, raw: str) -> str | int:
    """The path parameter as `people.check` takes it; an id no record can have is NotFound."""
    if on == "reference":
        return raw
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise NotFound(f"no such record ({raw})", field=on)
    return int(raw)


def allow(action: Action, *, on: str | None = None) -> Callable[..., Caller]:
    """The dependency for an endpoint doing `action` (on the record named by path param `on`)."""
    if on is not None and on not in RECORD_KEYS:
        raise ValueError(f"cannot check access on {on!r}")

    def dependency(request: Request, who: Annotated[Caller, Depends(caller)]) -> Caller:
        record: dict[str, Any] = {}
        if on is not None:
            record[RECORD_KEYS[on]] = record_key(on, request.path_params[on])
        people.check(who.ctx, who.person, action, **record)
        return who

    dependency.action = action  # type: ignore[attr-defined]
    dependency.on = on  # type: ignore[attr-defined]
    return dependency
