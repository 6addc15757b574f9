"""`POST /api/v1/contracts/{reference}/events/{event_id}/close`: as on the contract page."""

from __future__ import annotations

from tests.api.conftest import Api


def test_the_api_closes_an_event(api: Api) -> None:
    mine, theirs = api.world.event("C-1"), api.world.event("C-2")
    manager = api.client("manager")
    assert (
        api.client("viewer").post(f"/api/v1/contracts/C-1/events/{mine}/close", json={}).status_code
        == 403
    )
    sideways = manager.post(f"/api/v1/contracts/C-1/events/{theirs}/close", json={})
    assert sideways.status_code == 404
    assert sideways.json()["error"]["field"] == "/event_id"
    closed = manager.post(
        f"/api/v1/contracts/C-1/events/{mine}/close",
        json={"closed_on": "2027-03-04", "note": "Hours back"},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed_on"] == "2027-03-04"
    assert closed.json()["contract"] == "C-1"
    [event] = manager.get("/api/v1/contracts/C-1").json()["events"]
    assert event["closed_on"] == "2027-03-04"
    again = manager.post(f"/api/v1/contracts/C-1/events/{mine}/close", json={})
    assert again.status_code == 400
    assert "already closed" in again.json()["error"]["message"]
