"""The audit trail: the filterable log, and "verify", which re-walks the hash chain and
shows the verdict. Verifying reads only, so it is a plain link (a GET)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tracker.audit.trail import log, verify
from tracker.errors import BadInput
from tracker.people.roles import Action
from tracker.web.deps import Visit, allow
from tracker.web.forms import FormError, errors_of
from tracker.web.render import page

router = APIRouter()

SHOWN = 200


def _compact(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@router.get("/audit")
def trail(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.READ_AUDIT))],
    contract: str = "",
    since: str = "",
    entity: str = "",
) -> HTMLResponse:
    errors: list[FormError] = []
    events: list[dict[str, Any]] = []
    try:
        start = None
        if since.strip():
            try:
                start = date.fromisoformat(since.strip())
            except ValueError:
                raise BadInput(f"{since!r} is not a date; use YYYY-MM-DD", field="since") from None
        events = list(
            log(
                visit.ctx,
                contract=contract.strip() or None,
                since=start,
                entity=entity.strip() or None,
                limit=SHOWN,
            )
        )
    except BadInput as exc:
        errors = errors_of(exc)
    return page(
        request,
        "audit.html",
        title="Audit trail",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="audit",
        events=events,
        shown=SHOWN,
        compact=_compact,
        contract=contract.strip(),
        since=since.strip(),
        entity=entity.strip(),
        timezone=visit.ctx.settings.timezone,
        errors=errors,
        failed="filters" if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/audit/verify")
def check_chain(
    request: Request, visit: Annotated[Visit, Depends(allow(Action.VERIFY_AUDIT))]
) -> HTMLResponse:
    report = verify(visit.ctx)
    return page(
        request,
        "audit_verify.html",
        title="Audit trail verified" if report.ok else "Audit trail is broken",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="audit",
        report=report,
        checked_at=visit.ctx.now,
    )
