"""The reminder time of a contract, from the browser: set when adding, changed when
editing (its open obligations' next reminders follow), refused when it is not a time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import Contract, Obligation

BERLIN = ZoneInfo("Europe/Berlin")


def _contract(world: World, reference: str) -> Contract:
    with read_session(get_engine(world.url)) as s:
        return s.scalars(select(Contract).where(col(Contract.reference) == reference)).one()


def _local_reminder_times(world: World, contract_id: int | None) -> set[str]:
    with read_session(get_engine(world.url)) as s:
        cursors = s.scalars(
            select(col(Obligation.next_reminder_at)).where(
                col(Obligation.contract_id) == contract_id,
                col(Obligation.next_reminder_at).is_not(None),
            )
        ).all()
    return {c.astimezone(BERLIN).strftime("%H:%M") for c in cursors if c is not None}


def test_change_the_reminder_time_and_see_it(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    manage = client.get("/contracts/C-1/edit").text
    assert "Reminder time" in manage
    token = csrf_of(manage)
    before = _contract(world, "C-1")
    assert before.reminder_minute is None
    assert _local_reminder_times(world, before.id) == {"08:00"}
    fields = {"csrf_token": token, "title": "Notebooks C-1", "start_on": "2027-03-01",
              "end_on": "2030-02-28", "manager_email": email_of("manager")}  # fmt: skip
    wrong = client.post("/contracts/C-1/edit", data={**fields, "reminder_time": "25:00"})
    assert wrong.status_code == 400
    assert 'href="#edit-contract-f-reminder_time"' in wrong.text
    assert "is not a time of day" in wrong.text
    assert _contract(world, "C-1").reminder_minute is None

    saved = client.post("/contracts/C-1/edit", data={**fields, "reminder_time": "14:30"})
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "Reminder time" in page
    assert "14:30" in page
    after = _contract(world, "C-1")
    assert after.reminder_minute == 14 * 60 + 30
    # Every open obligation's next reminder now falls at 14:30 in Berlin.
    assert _local_reminder_times(world, after.id) == {"14:30"}
    # The other contract keeps the site's hour.
    assert _local_reminder_times(world, _contract(world, "C-2").id) == {"08:00"}

    # Emptied: back to the usual time.
    cleared = client.post("/contracts/C-1/edit", data={**fields, "reminder_time": ""})
    assert cleared.status_code == 303
    assert "08:00 (the usual time)" in client.get(cleared.headers["location"]).text
    assert _local_reminder_times(world, after.id) == {"08:00"}


def test_add_a_contract_with_its_own_reminder_time(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    form = client.get("/contracts/new").text
    assert "Reminder time" in form
    fields = {"csrf_token": csrf_of(form), "reference": "C-7", "title": "Docking stations",
              "supplier_id": "1", "start_on": "2027-04-01", "end_on": "2031-03-31",
              "manager_email": email_of("manager"), "timezone": "Europe/Stockholm"}  # fmt: skip
    wrong = client.post("/contracts/new", data={**fields, "reminder_time": "half past two"})
    assert wrong.status_code == 400
    assert 'href="#new-contract-f-reminder_time"' in wrong.text
    added = client.post("/contracts/new", data={**fields, "reminder_time": "07:15"})
    assert added.status_code == 303
    assert "07:15" in client.get(added.headers["location"]).text
    assert _contract(world, "C-7").reminder_minute == 7 * 60 + 15
