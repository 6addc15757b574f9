"""Changing contracts: add one, edit it, attach a clause (a form generated from the clause's
typed parameters, then "check your answers" with the dates it will plan), record an event,
end the contract, and upgrade a clause to the library's newer version after reading the
difference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, QueryParams

from tracker.contracts import (
    add_contract,
    attach_clause,
    close_event,
    edit_contract,
    end_contract,
    get_contract,
    known_versions,
    parse_amount,
    preview_attachment,
    raise_event,
    upgrade_clause,
)
from tracker.dashboard.contracts import all_suppliers
from tracker.errors import BadInput, NotFound
from tracker.library.describe import EVENT_WORDS
from tracker.library.document import SOURCE_WORDS
from tracker.library.schema import EventName
from tracker.library.versions import semver, summarise, unified
from tracker.people.roles import Action
from tracker.web.deps import Form, Visit, allow, settings_of
from tracker.web.forms import FormError, errors_of, optional, text, values_of
from tracker.web.references import contract_path
from tracker.web.render import page, see_other
from tracker.web.routes.contracts import contract_view

router = APIRouter()

PARAM = "params."
EVENTS = [(e.value, EVENT_WORDS[e][:1].upper() + EVENT_WORDS[e][1:]) for e in EventName]
ENDINGS = [("terminated", "Terminated"), ("cancelled", "Cancelled")]


def form_date(values: FormData | QueryParams, name: str, *, required: bool = False) -> date | None:
    raw = values.get(name)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        if required:
            raise BadInput("enter a date, YYYY-MM-DD", field=name)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a date; use YYYY-MM-DD", field=name) from None


def _site_time(request: Request) -> str:
    return f"{settings_of(request).reminder_hour:02d}:00"


def _amount(form: FormData) -> Decimal | None:
    value = optional(form, "value")
    return parse_amount(value, field="value") if value is not None else None


def _params(values: FormData | QueryParams) -> dict[str, str]:
    """The clause parameters the person filled in; empty ones keep their default."""
    return {
        k.removeprefix(PARAM): v.strip()
        for k, v in values.items()
        if k.startswith(PARAM) and isinstance(v, str) and v.strip()
    }


# --- adding a contract ---------------------------------------------------------------


def _new(
    request: Request,
    visit: Visit,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
) -> HTMLResponse:
    return page(
        request,
        "contract_new.html",
        title="Add a contract",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        suppliers=[(str(s.id), s.name) for s in all_suppliers(visit.ctx)],
        timezone=settings_of(request).timezone,
        site_reminder_time=_site_time(request),
        errors=errors,
        values=values_of(form),
        failed="new-contract" if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/contracts/new")
def new_contract(
    request: Request, visit: Annotated[Visit, Depends(allow(Action.ADD_CONTRACT))]
) -> HTMLResponse:
    return _new(request, visit)


@router.post("/contracts/new")
def create_contract(
    request: Request,
    visit: Annotated[Visit, Depends(allow(Action.ADD_CONTRACT))],
    form: Form,
) -> Response:
    try:
        start_on = form_date(form, "start_on", required=True)
        end_on = form_date(form, "end_on", required=True)
        assert start_on is not None
        assert end_on is not None
        added = add_contract(
            visit.ctx,
            reference=text(form, "reference"),
            supplier_id=text(form, "supplier_id"),
            title=text(form, "title"),
            start_on=start_on,
            end_on=end_on,
            signed_on=form_date(form, "signed_on"),
            manager_email=optional(form, "manager_email"),
            timezone=optional(form, "timezone"),
            buyer=optional(form, "buyer"),
            value=_amount(form),
            currency=optional(form, "currency"),
            reminder_time=optional(form, "reminder_time"),
        )
    except BadInput as exc:
        return _new(request, visit, errors=errors_of(exc), form=form)
    return see_other(f"{contract_path(added.reference)}?done=contract-added")


# --- editing, events, ending -------------------------------------------------------


def _manage(
    request: Request,
    visit: Visit,
    reference: str,
    *,
    errors: list[FormError] | None = None,
    form: FormData | None = None,
    failed: str = "",
) -> HTMLResponse:
    view = get_contract(visit.ctx, reference)
    newer = {}
    for attached in view.clauses:
        current = visit.ctx.library.clauses.get(attached.clause_id)
        if (
            attached.detached_at is None
            and current is not None
            and semver(current.version) > semver(attached.version)
        ):
            newer[attached.clause_id] = current.version
    return page(
        request,
        "contract_manage.html",
        title=f"Change contract {reference}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        c=view,
        site_reminder_time=_site_time(request),
        newer=newer,
        events=EVENTS,
        endings=ENDINGS,
        errors=errors,
        values=values_of(form),
        failed=failed,
        status_code=400 if errors else 200,
    )


@router.get("/contracts/{reference:ref}/edit")
def manage(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
) -> HTMLResponse:
    return _manage(request, visit, reference)


def _changed(new: Any, old: Any) -> Any:
    return new if new is not None and new != old else None


@router.post("/contracts/{reference:ref}/edit")
def save(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    form: Form,
) -> Response:
    old = get_contract(visit.ctx, reference)
    try:
        # The form shows every field filled in: only what was changed is sent on.
        edit_contract(
            visit.ctx,
            reference,
            title=_changed(optional(form, "title"), old.title),
            manager_email=_changed(optional(form, "manager_email"), old.manager_email),
            value=_changed(_amount(form), old.value_amount),
            currency=_changed(optional(form, "currency"), old.currency),
            start_on=_changed(form_date(form, "start_on"), old.start_on),
            end_on=_changed(form_date(form, "end_on"), old.end_on),
            signed_on=_changed(form_date(form, "signed_on"), old.signed_on),
            # Emptied: back to the site's hour; a form without the field changes nothing.
            reminder_time=_changed(text(form, "reminder_time").strip(), old.reminder_time or "")
            if "reminder_time" in form
            else None,
        )
    except BadInput as exc:
        return _manage(
            request, visit, reference, errors=errors_of(exc), form=form, failed="edit-contract"
        )
    return see_other(f"{contract_path(reference)}?done=contract-changed")


@router.post("/contracts/{reference:ref}/events")
def record_event(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    form: Form,
) -> Response:
    try:
        raise_event(
            visit.ctx,
            reference,
            text(form, "event"),
            occurred_on=form_date(form, "occurred_on"),
            note=optional(form, "note"),
            plan=optional(form, "plan"),
        )
    except BadInput as exc:
        return _manage(request, visit, reference, errors=errors_of(exc), form=form, failed="event")
    return see_other(f"{contract_path(reference)}?done=event-recorded")


@router.post("/contracts/{reference:ref}/events/{event_id}/close")
def close(
    request: Request,
    reference: str,
    event_id: int,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    form: Form,
) -> Response:
    try:
        close_event(
            visit.ctx,
            event_id,
            closed_on=form_date(form, "closed_on"),
            note=optional(form, "note"),
            reference=reference,
        )
    except NotFound:
        raise
    except BadInput as exc:
        return contract_view(
            request,
            visit,
            reference,
            errors=errors_of(exc),
            form=form,
            failed=f"close-event-{event_id}",
        )
    return see_other(f"{contract_path(reference)}?done=event-closed#events")


@router.post("/contracts/{reference:ref}/end")
def end(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    form: Form,
) -> Response:
    try:
        ended_on = form_date(form, "ended_on", required=True)
        assert ended_on is not None
        end_contract(
            visit.ctx,
            reference,
            status=text(form, "status"),
            ended_on=ended_on,
            reason=text(form, "reason"),
        )
    except BadInput as exc:
        return _manage(request, visit, reference, errors=errors_of(exc), form=form, failed="end")
    return see_other(f"{contract_path(reference)}?done=contract-ended")


# --- attaching a clause: choose, fill in, check, attach -------------------------------


def _attach_page(
    request: Request,
    visit: Visit,
    reference: str,
    *,
    clause_id: str = "",
    params: dict[str, str] | None = None,
    errors: list[FormError] | None = None,
) -> HTMLResponse:
    clause = visit.ctx.library.clauses.get(clause_id) if clause_id else None
    if clause_id and clause is None:
        errors = [FormError("clause_id", f"there is no clause {clause_id!r} in the library")]
    attached = {a.clause_id for a in get_contract(visit.ctx, reference).clauses}
    return page(
        request,
        "contract_attach.html",
        title=f"Attach a clause to {reference}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        reference=reference,
        clauses=[c for c in visit.ctx.library if c.id not in attached],
        clause=clause,
        source_words=SOURCE_WORDS,
        errors=errors,
        values={f"{PARAM}{k}": v for k, v in (params or {}).items()},
        failed="attach" if errors else "",
        status_code=400 if errors else 200,
    )


@router.get("/contracts/{reference:ref}/attach")
def attach_form(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    clause: str = "",
) -> HTMLResponse:
    return _attach_page(request, visit, reference, clause_id=clause)


@router.get("/contracts/{reference:ref}/attach/check")
def attach_check(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    clause: str = "",
) -> HTMLResponse:
    """Check your answers: the dates attaching would plan. A GET: it changes nothing."""
    params = _params(request.query_params)
    if not clause:
        return _attach_page(request, visit, reference)
    try:
        preview = preview_attachment(visit.ctx, reference, clause, params=params)
    except BadInput as exc:
        return _attach_page(
            request, visit, reference, clause_id=clause, params=params, errors=errors_of(exc)
        )
    return page(
        request,
        "contract_attach_check.html",
        title=f"Check the dates before attaching {clause}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        preview=preview,
        params=params,
        change=contract_path(reference, "attach") + "?" + str(request.query_params),
    )


@router.post("/contracts/{reference:ref}/attach")
def attach(
    request: Request,
    reference: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    form: Form,
) -> Response:
    clause_id, params = text(form, "clause"), _params(form)
    try:
        attach_clause(visit.ctx, reference, clause_id, params=params)
    except BadInput as exc:
        return _attach_page(
            request, visit, reference, clause_id=clause_id, params=params, errors=errors_of(exc)
        )
    return see_other(f"{contract_path(reference)}?done=clause-attached")


# --- upgrading a clause --------------------------------------------------------------


def _versions(visit: Visit, reference: str, clause_id: str) -> tuple[Any, Any]:
    pinned = next(
        (a for a in get_contract(visit.ctx, reference).clauses if a.clause_id == clause_id), None
    )
    if pinned is None:
        raise NotFound(f"{clause_id} is not attached to {reference}", field="clause_id")
    versions = known_versions(visit.ctx, clause_id)
    return versions.get(pinned.version), visit.ctx.library.clauses.get(clause_id)


@router.get("/contracts/{reference:ref}/upgrade/{clause_id}")
def upgrade_form(
    request: Request,
    reference: str,
    clause_id: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
) -> HTMLResponse:
    old, new = _versions(visit, reference, clause_id)
    same = old is None or new is None or semver(new.version) <= semver(old.version)
    return page(
        request,
        "contract_upgrade.html",
        title=f"Upgrade {clause_id} on {reference}",
        person=visit.person,
        csrf_token=visit.csrf_token,
        nav="contracts",
        reference=reference,
        clause_id=clause_id,
        old=old,
        new=new,
        same=same,
        changes=[] if same else summarise(old, new),
        diff="" if same else unified(old, new),
    )


@router.post("/contracts/{reference:ref}/upgrade/{clause_id}")
def upgrade(
    request: Request,
    reference: str,
    clause_id: str,
    visit: Annotated[Visit, Depends(allow(Action.EDIT_CONTRACT, on="reference"))],
    form: Form,
) -> Response:
    try:
        upgrade_clause(visit.ctx, reference, clause_id)
    except BadInput as exc:
        return _manage(
            request, visit, reference, errors=errors_of(exc), form=form, failed="upgrade"
        )
    return see_other(f"{contract_path(reference)}?done=clause-upgraded")
