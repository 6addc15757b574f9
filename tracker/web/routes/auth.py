"""Sign-in and sign-out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracker import people
from tracker.people.roles import Action
from tracker.web.deps import (
    Form,
    SignInForm,
    Visit,
    allow,
    anonymous_context,
    keys_of,
    session_token,
    settings_of,
)
from tracker.web.forms import FormError, text
from tracker.web.render import page, see_other
from tracker.web.security import FORM_COOKIE, SESSION_COOKIE, new_form_key

router = APIRouter()


def _safe_next(value: str) -> str:
    # Only paths on this site: never an open redirect to another host.
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _secure(request: Request) -> bool:
    return settings_of(request).base_url.startswith("https://")


def _sign_in_page(
    request: Request,
    *,
    next_url: str,
    errors: list[FormError] | None = None,
    email: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    keys = keys_of(request)
    form_key = keys.unsign(request.cookies.get(FORM_COOKIE))
    fresh = form_key is None
    if form_key is None:
        form_key = new_form_key()
    response = page(
        request,
        "sign_in.html",
        title="Sign in",
        person=None,
        csrf_token=keys.csrf(form_key),
        errors=errors,
        values={"email": email},
        failed="sign-in" if errors else "",
        next_url=next_url,
        status_code=status_code,
    )
    if fresh:
        response.set_cookie(
            FORM_COOKIE,
            keys.sign(form_key),
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    token = session_token(request)
    if token is not None and people.current(anonymous_context(request), token) is not None:
        return see_other(_safe_next(next))
    return _sign_in_page(request, next_url=_safe_next(next))


@router.post("/sign-in")
def sign_in(request: Request, form: SignInForm) -> Response:
    email, next_url = text(form, "email"), _safe_next(text(form, "next") or "/")
    ip = request.client.host if request.client else "unknown"
    try:
        signed = people.sign_in(
            anonymous_context(request), email=email, password=text(form, "password"), ip=ip
        )
    except people.SignInRefused as exc:
        return _sign_in_page(
            request,
            next_url=next_url,
            errors=[FormError("email", str(exc))],
            email=email,
            status_code=400,
        )
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        keys_of(request).sign(signed.token),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


@router.post("/sign-out")
def sign_out(visit: Annotated[Visit, Depends(allow(Action.READ))], form: Form) -> Response:
    people.sign_out(visit.ctx, visit.session_token)
    response = see_other("/sign-in?done=signed-out")
    response.delete_cookie(SESSION_COOKIE)
    return response


def sign_in_url(path: str) -> str:
    return f"/sign-in?next={quote(path, safe='/')}"
