"""Bearer tokens: the person behind a token acts with their role until their account is
disabled or expires; cookies are no credential for the API."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.api.conftest import Api
from tests.web.world import email_of, sign_in


def test_no_token_is_refused_with_a_json_401(api: Api) -> None:
    response = api.client(None).get("/api/v1/contracts")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_an_unknown_token_is_refused(api: Api) -> None:
    client = TestClient(api.world.app(), headers={"Authorization": "Bearer ctk_not-a-token"})
    response = client.get("/api/v1/contracts")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("This token is unknown")


def test_a_sign_in_cookie_is_no_credential_for_the_api(api: Api) -> None:
    client = sign_in(api.world.app(), email_of("admin"))
    assert client.get("/contracts").status_code == 200  # the pages take the cookie
    response = client.get("/api/v1/contracts")
    assert response.status_code == 401
    assert "cookie" in response.json()["error"]["message"]
    changed = client.post("/api/v1/suppliers", json={"name": "X", "email": "x@example.com"})
    assert changed.status_code == 401


def test_a_disabled_persons_token_stops_working(api: Api) -> None:
    client = api.client("manager")
    assert client.get("/api/v1/contracts").status_code == 200
    api.world.cli.ok("user", "disable", email_of("manager"))
    response = client.get("/api/v1/contracts")
    assert response.status_code == 401
    assert api.client("admin").get("/api/v1/contracts").status_code == 200


def test_an_expired_persons_token_stops_working(api: Api) -> None:
    auditor = api.client("auditor")  # the world's auditor account runs to 2099-12-31
    assert auditor.get("/api/v1/contracts").status_code == 200
    api.world.clock.now = datetime(2100, 1, 2, 12, 0, tzinfo=UTC)
    assert api.client("auditor").get("/api/v1/contracts").status_code == 401
    assert api.client("admin").get("/api/v1/contracts").status_code == 200


def test_the_api_acts_as_the_tokens_person(api: Api) -> None:
    created = api.client("manager").post(
        "/api/v1/suppliers", json={"name": "Acme Recycling", "email": "ops@example.com"}
    )
    assert created.status_code == 201, created.text
    trail = api.world.cli.ok("audit", "log", "--format", "json").json()
    assert any(e["actor"] == email_of("manager") and e["entity"] == "supplier" for e in trail), (
        trail[-3:]
    )
