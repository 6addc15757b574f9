"""Rendering a page with the project's one Jinja2 environment and what every page shows."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tracker.people.roles import Action, Person, may
from tracker.rendering import render
from tracker.web.forms import FormError, field_id

# Confirmations after an action, named by the `done` query flag of the redirect.
FLASH = {
    "uploaded": "Evidence uploaded. It is waiting for review.",
    "accepted": "Evidence accepted.",
    "rejected": "Evidence rejected. The supplier will be emailed the reason.",
    "waived": "Obligation waived. The reason is kept in the audit trail.",
    "retried": "Email queued to be sent again.",
    "signed-out": "You are signed out.",
    "signed-in": "You are signed in.",
    "supplier-added": "Supplier added.",
    "contact-added": "Contact added.",
    "contact-changed": "Contact changed.",
    "contact-removed": "Contact removed. It is kept in the audit trail.",
    "contract-added": "Contract added.",
    "contract-changed": "Contract changed.",
    "clause-attached": "Clause attached. Its obligations are planned.",
    "event-recorded": "Event recorded. Obligations it triggers are planned.",
    "event-closed": "Event closed. Duties that repeat until it is closed stop after that day.",
    "contract-ended": "Contract ended. Its open obligations are closed.",
    "clause-upgraded": "Clause upgraded to the new version.",
    "model-added": "Product model added. Its certificate obligations are planned.",
    "model-retired": "Product model retired. Its obligations from that day on are closed.",
    "finding-added": "Finding recorded.",
    "finding-changed": "Finding changed.",
    "report-produced": "Report produced. Download it from the list below.",
    "report-scheduled": "Report schedule added.",
    "schedule-removed": "Report schedule removed.",
    "feed-revoked": "Calendar feed revoked. Calendars subscribed to it get nothing more.",
}


def page(
    request: Request,
    template: str,
    *,
    title: str,
    person: Person | None,
    csrf_token: str,
    nav: str = "",
    status_code: int = 200,
    errors: list[FormError] | None = None,
    values: dict[str, str] | None = None,
    failed: str = "",
    **data: Any,
) -> HTMLResponse:
    done = request.query_params.get("done", "")
    html = render(
        f"web/{template}",
        title=title,
        person=person,
        csrf_token=csrf_token,
        nav=nav,
        flash=FLASH.get(done),
        errors=errors or [],
        field_errors={e.field: e.message for e in errors or [] if e.field},
        values=values or {},
        failed=failed,
        field_id=field_id,
        may=(lambda action: person is not None and may(person, Action(action))),
        **data,
    )
    return HTMLResponse(html, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """POST/redirect/GET: the browser fetches the result page, so a reload posts nothing."""
    return RedirectResponse(url, status_code=303)
