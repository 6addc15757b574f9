"""A contract's reminder time through the JSON API: created, read, changed (the next
reminders follow), cleared, and refused with a pointer to the field."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from tests.api.conftest import Api
from tests.web.world import email_of
from tracker.db import get_engine, read_session
from tracker.models import Contract, Obligation


def _local_cursors(api: Api, reference: str, zone: str) -> set[str]:
    with read_session(get_engine(api.world.url)) as s:
        cursors = s.scalars(
            select(col(Obligation.next_reminder_at))
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .where(col(Contract.reference) == reference)
            .where(col(Obligation.next_reminder_at).is_not(None))
        ).all()
    return {c.astimezone(ZoneInfo(zone)).strftime("%H:%M") for c in cursors if c is not None}


def test_reminder_time_created_read_changed_and_cleared(api: Api) -> None:
    client = api.client("admin")
    created = client.post(
        "/api/v1/contracts",
        json={
            "reference": "C-5",
            "supplier_id": 1,
            "title": "Monitors",
            "start_on": "2027-04-01",
            "end_on": "2029-03-31",
            "timezone": "Europe/Stockholm",
            "manager_email": email_of("manager"),
            "reminder_time": "14:30",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["reminder_time"] == "14:30"
    attached = client.post("/api/v1/contracts/C-5/clauses", json={"clause_id": "web-clause"})
    assert attached.status_code == 201, attached.text
    assert client.get("/api/v1/contracts/C-5").json()["reminder_time"] == "14:30"
    assert _local_cursors(api, "C-5", "Europe/Stockholm") == {"14:30"}

    edited = client.patch("/api/v1/contracts/C-5", json={"reminder_time": "09:05"})
    assert edited.status_code == 200, edited.text
    assert [c["field"] for c in edited.json()["changes"]] == ["reminder_time"]
    assert client.get("/api/v1/contracts/C-5").json()["reminder_time"] == "09:05"
    assert _local_cursors(api, "C-5", "Europe/Stockholm") == {"09:05"}

    cleared = client.patch("/api/v1/contracts/C-5", json={"reminder_time": ""})
    assert cleared.status_code == 200, cleared.text
    assert client.get("/api/v1/contracts/C-5").json()["reminder_time"] is None
    assert _local_cursors(api, "C-5", "Europe/Stockholm") == {"08:00"}


def test_a_bad_reminder_time_points_at_the_field(api: Api) -> None:
    client = api.client("admin")
    refused = client.patch("/api/v1/contracts/C-1", json={"reminder_time": "24:00"})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "/reminder_time"
    assert client.get("/api/v1/contracts/C-1").json()["reminder_time"] is None
