"""Routes of the supplier portal. A GET only reads (mail scanners open every link); each
action is a POST from the page, carrying a form token derived from the link. The token
in the address is never logged (see `tracker.web.portal.logs`) nor sent on as a Referer."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from tracker.context import Context
from tracker.errors import BadInput
from tracker.people.secret_tokens import digest
from tracker.portal import request_new_link, show_receipt, submit_through_link, supplier_view
from tracker.portal.language import LANGUAGES, choose, long_moment, translator
from tracker.portal.links import LinkState
from tracker.portal.submit import PortalUpload, TooMany, Visitor
from tracker.portal.view import LinkRefused, refused_language
from tracker.rendering import render
from tracker.web.deps import anonymous_context, keys_of, settings_of
from tracker.web.errors import MalformedForm, TooLarge
from tracker.web.forms import (
    SMALL_FORM,
    UPLOAD_OVERHEAD,
    FormError,
    optional,
    read_form,
    received_file,
    text,
    upload,
)
from tracker.web.security import CSRF_FIELD

router = APIRouter()

FIELD_PREFIX = "fields."


def _ctx(request: Request) -> Context:
    base = anonymous_context(request)
    return Context(settings=base.settings, engine=base.engine, now=base.now, actor="portal")


def _csrf(request: Request, token: str) -> str:
    return keys_of(request).csrf(f"portal:{digest(token)}")


def _csrf_ok(request: Request, token: str, form: FormData) -> bool:
    given = form.get(CSRF_FIELD)
    return keys_of(request).csrf_ok(
        f"portal:{digest(token)}", given if isinstance(given, str) else None
    )


def _html(
    template: str, *, language: str | None, status_code: int = 200, **data: Any
) -> HTMLResponse:
    lang = choose(language)
    html = render(
        f"web/portal/{template}", _=translator(lang), lang=lang, languages=LANGUAGES, **data
    )
    return HTMLResponse(html, status_code=status_code)


def _refused(request: Request, token: str, exc: LinkRefused, language: str | None) -> HTMLResponse:
    status = 404 if exc.state is LinkState.UNKNOWN else 410
    return _html(
        "refused.html",
        language=language,
        status_code=status,
        state=exc.state.value,
        can_renew=exc.can_renew,
        action=f"/s/{token}/new-link",
        csrf_token=_csrf(request, token) if exc.can_renew else "",
    )


def _problem(language: str | None, status_code: int, title: str, message: str) -> HTMLResponse:
    return _html(
        "problem.html", language=language, status_code=status_code, title=title, message=message
    )


async def _page(
    request: Request,
    token: str,
    *,
    errors: list[FormError] | None = None,
    failed: int | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    ctx = _ctx(request)
    try:
        view = await run_in_threadpool(supplier_view, ctx, token)
    except LinkRefused as exc:
        language = await run_in_threadpool(refused_language, ctx, token)
        return _refused(request, token, exc, language)
    return _html(
        "contract.html",
        language=view.language,
        status_code=400 if errors else 200,
        view=view,
        token=token,
        csrf_token=_csrf(request, token),
        errors=errors or [],
        failed=failed,
        values=values or {},
        max_mb=settings_of(request).evidence_max_bytes // (1024 * 1024) or 1,
    )


@router.get("/s/{token}")
async def portal_page(request: Request, token: str) -> Response:
    return await _page(request, token)


def _visitor(request: Request) -> Visitor:
    host = request.client.host if request.client else "unknown"
    return Visitor(ip=host, user_agent=request.headers.get("user-agent", ""))


def _date(form: FormData, name: str) -> date | None:
    value = optional(form, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a date; use YYYY-MM-DD", field=name) from None


@router.post("/s/{token}/obligations/{obligation_id}/evidence")
async def portal_upload(request: Request, token: str, obligation_id: int) -> Response:
    ctx = _ctx(request)
    limit = settings_of(request).evidence_max_bytes
    language = await run_in_threadpool(refused_language, ctx, token)
    _ = translator(language)
    try:
        # Counted while it streams: past the limit reading stops, before any parsing ends.
        form = await read_form(request, limit=limit + UPLOAD_OVERHEAD)
    except TooLarge:
        message = _(
            "Files up to %(mb)s MB are accepted. Nothing was stored.",
            mb=limit // (1024 * 1024) or 1,
        )
        return _problem(language, 413, _("The file is too large"), message)
    except MalformedForm:
        return _problem(language, 400, _("The form could not be read"), _("Go back and try again."))
    try:
        if not _csrf_ok(request, token, form):
            return _problem(
                language,
                403,
                _("This form has expired"),
                _("Nothing was changed. Open the link in your email again and try once more."),
            )
        part = upload(form, "file")
        if part is not None and part.size is not None and part.size > limit:
            message = _(
                "Files up to %(mb)s MB are accepted. Nothing was stored.",
                mb=limit // (1024 * 1024) or 1,
            )
            return _problem(language, 413, _("The file is too large"), message)
        fields = {
            k.removeprefix(FIELD_PREFIX): v.strip()
            for k, v in form.items()
            if k.startswith(FIELD_PREFIX) and isinstance(v, str)
        }
        try:
            up = PortalUpload(
                obligation_id=obligation_id,
                evidence_type=text(form, "evidence_type"),
                declared=text(form, "declaration") == "yes",
                url=optional(form, "url"),
                filename=part.filename if part is not None else None,
                fields=fields,
                valid_from=_date(form, "valid_from"),
                valid_until=_date(form, "valid_until"),
                note=optional(form, "note"),
            )
            if part is None:
                receipt = await run_in_threadpool(
                    submit_through_link, ctx, token, up, _visitor(request)
                )
            else:
                with received_file(part) as path:
                    up = PortalUpload(**{**up.__dict__, "file": path})
                    receipt = await run_in_threadpool(
                        submit_through_link, ctx, token, up, _visitor(request)
                    )
        except LinkRefused as exc:
            return _refused(request, token, exc, language)
        except TooMany as exc:
            message = (
                _(
                    "This obligation has had many uploads today. "
                    "Try again tomorrow, or write to the contract manager."
                )
                if exc.what == "obligation"
                else _("Too many uploads in a short time. Wait an hour and try again.")
            )
            return _problem(language, 429, _("Please wait"), message)
        except BadInput as exc:
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
            return await _page(
                request,
                token,
                errors=[FormError(exc.field, exc.message)],
                failed=obligation_id,
                values=values,
            )
    finally:
        await form.close()
    first = receipt.lines[0].evidence_id
    return RedirectResponse(f"/s/{token}/receipts/{first}", status_code=303)


@router.get("/s/{token}/receipts/{evidence_id}")
async def portal_receipt(request: Request, token: str, evidence_id: int) -> Response:
    ctx = _ctx(request)
    language = await run_in_threadpool(refused_language, ctx, token)
    try:
        receipt = await run_in_threadpool(show_receipt, ctx, token, evidence_id)
    except LinkRefused as exc:
        return _refused(request, token, exc, language)
    except BadInput:
        _ = translator(language)
        return _problem(
            language, 404, _("Page not found"), _("There is no such receipt for this link.")
        )
    when = long_moment(receipt.submitted_at, receipt.timezone, language)
    return _html("receipt.html", language=language, receipt=receipt, when=when, back=f"/s/{token}")


@router.post("/s/{token}/new-link")
async def portal_new_link(request: Request, token: str) -> Response:
    ctx = _ctx(request)
    language = await run_in_threadpool(refused_language, ctx, token)
    _ = translator(language)
    try:
        form = await read_form(request, limit=SMALL_FORM)
    except (TooLarge, MalformedForm):
        return _problem(language, 400, _("The form could not be read"), _("Go back and try again."))
    try:
        if not _csrf_ok(request, token, form):
            return _problem(
                language,
                403,
                _("This form has expired"),
                _("Nothing was changed. Open the link in your email again and try once more."),
            )
        try:
            await run_in_threadpool(request_new_link, ctx, token, _visitor(request))
        except LinkRefused as exc:
            return _refused(request, token, exc, language)
        except TooMany:
            return _problem(
                language,
                429,
                _("Please wait"),
                _(
                    "A new link was sent only a short while ago. "
                    "Look in your mailbox, or try again in an hour."
                ),
            )
        except BadInput:
            return RedirectResponse(f"/s/{token}", status_code=303)
    finally:
        await form.close()
    return _problem(
        language,
        200,
        _("A new link is on its way"),
        _(
            "We have emailed a new link to the address this link was sent to. "
            "Look in that mailbox in a few minutes."
        ),
    )
