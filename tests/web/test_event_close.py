"""Closing an event from the contract page and the API: for the contract's manager or an
admin, with a confirmation, audited with the signed-in person as actor; never through
another contract's address."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import col

from tests.web.test_form_errors import assert_each_error_once
from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, ContractEvent


def closed_on(world: World, event_id: int) -> date | None:
    with read_session(get_engine(world.url)) as s:
        event = s.get(ContractEvent, event_id)
        assert event is not None
        return event.closed_on


def test_the_manager_closes_an_event_from_the_contract_page(world: World) -> None:
    event = world.event("C-1")
    client = sign_in(world.app(), email_of("manager"))
    page = client.get("/contracts/C-1").text
    assert "Breach reported" in page
    assert f'action="/contracts/C-1/events/{event}/close"' in page
    closed = client.post(
        f"/contracts/C-1/events/{event}/close",
        data={"csrf_token": csrf_of(page), "closed_on": "2027-03-04", "note": "Hours back"},
    )
    assert closed.status_code == 303
    assert closed.headers["location"] == "/contracts/C-1?done=event-closed#events"
    shown = client.get(closed.headers["location"]).text
    assert "Event closed." in shown
    assert f'action="/contracts/C-1/events/{event}/close"' not in shown  # nothing to close
    assert closed_on(world, event) == date(2027, 3, 4)
    with read_session(get_engine(world.url)) as s:
        audit = s.scalars(
            select(AuditEvent).where(
                col(AuditEvent.entity) == "contract_event", col(AuditEvent.action) == "closed"
            )
        ).one()
    assert audit.actor == email_of("manager")
    assert audit.entity_id == str(event)
    again = client.post(f"/contracts/C-1/events/{event}/close", data={"csrf_token": csrf_of(shown)})
    assert again.status_code == 400
    assert "already closed on 2027-03-04" in again.text
    assert_each_error_once(again.text)


def test_a_closing_day_before_the_event_is_refused_next_to_the_field(world: World) -> None:
    event = world.event("C-1")
    client = sign_in(world.app(), email_of("admin"))
    token = csrf_of(client.get("/contracts/C-1").text)
    wrong = client.post(
        f"/contracts/C-1/events/{event}/close",
        data={"csrf_token": token, "closed_on": "2027-03-01", "note": "typo"},
    )
    assert wrong.status_code == 400
    [message] = assert_each_error_once(wrong.text)
    assert "before the event happened (2027-03-02)" in message
    assert f'href="#close-event-{event}-f-closed_on"' in wrong.text
    assert 'value="2027-03-01"' in wrong.text  # what was typed stays
    assert closed_on(world, event) is None


def test_only_the_manager_or_an_admin_and_only_through_its_own_contract(world: World) -> None:
    mine, theirs = world.event("C-1"), world.event("C-2")
    for role in ("viewer", "auditor", "reviewer"):
        client = sign_in(world.app(), email_of(role))
        page = client.get("/contracts/C-1").text
        assert "Breach reported" in page  # they see the event...
        assert "/close" not in page  # ...but no form to close it
        refused = client.post(
            f"/contracts/C-1/events/{mine}/close", data={"csrf_token": csrf_of(page)}
        )
        assert refused.status_code == 403, role
    manager = sign_in(world.app(), email_of("manager"))
    token = csrf_of(manager.get("/contracts/C-1").text)
    # C-2's event through the address of the manager's own contract: no such event there.
    sideways = manager.post(f"/contracts/C-1/events/{theirs}/close", data={"csrf_token": token})
    assert sideways.status_code == 404
    assert (
        manager.post(
            f"/contracts/C-2/events/{theirs}/close", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert closed_on(world, theirs) is None
    assert closed_on(world, mine) is None
    admin = sign_in(world.app(), email_of("admin"))
    token = csrf_of(admin.get("/contracts/C-2").text)
    assert (
        admin.post(f"/contracts/C-2/events/{theirs}/close", data={"csrf_token": token}).status_code
        == 303
    )
    assert closed_on(world, theirs) == date(2027, 3, 5)  # today at the app's clock
