"""Product models through the API: list with certificates and statuses, add (with what it
planned), retire; errors point into the body; in the OpenAPI description."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.web.models_world import LOOKUP, attach_model_clause, three_models

NEW = {
    "manufacturer": "Example",
    "name": "ZBook 14",
    "product_type": "notebook",
    "first_delivery_on": "2027-04-01",
}


def test_models_are_listed_with_their_certificates(api: Api) -> None:
    ids = three_models(api.world)
    listed = api.client("viewer").get("/api/v1/contracts/C-1/models")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["reference"] == "C-1"
    assert body["today"] == "2027-03-05"
    by_id = {m["model"]["id"]: m for m in body["models"]}
    assert [by_id[ids[k]]["status"] for k in ("valid", "expiring", "missing")] == [
        "valid",
        "expiring",
        "missing",
    ]
    valid = by_id[ids["valid"]]["schemes"][0]
    assert valid["scheme"] == "model-certificate"
    assert valid["certificate_number"] == "TCO A&B 1"
    assert valid["generation"] == "10"
    assert valid["valid_until"] == "2029-12-31"
    assert valid["lookup_url"] == f"{LOOKUP}TCO%20A%26B%201"
    missing = by_id[ids["missing"]]["schemes"][0]
    assert missing["certificate_number"] is None
    assert [(d["title"], d["due_on"]) for d in missing["duties"]] == [
        ("Certificate before the first delivery", "2027-03-20")
    ]


def test_add_then_retire_a_model(api: Api) -> None:
    attach_model_clause(api.world)
    manager = api.client("manager")
    added = manager.post("/api/v1/contracts/C-1/models", json=NEW)
    assert added.status_code == 201, added.text
    model = added.json()
    assert model["obligations_planned"] == 1
    assert [(d["title"], d["due_on"], d["status"]) for d in model["planned"]] == [
        ("Certificate before the first delivery: Example ZBook 14", "2027-04-01", "upcoming")
    ]
    again = manager.post("/api/v1/contracts/C-1/models", json=NEW)
    assert again.status_code == 400
    assert again.json()["error"]["field"] == "/name"
    path = f"/api/v1/contracts/C-1/models/{model['id']}/retire"
    no_reason = manager.post(path, json={"reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["field"] == "/reason"
    retired = manager.post(path, json={"reason": "Replaced", "retired_on": "2027-03-20"})
    assert retired.status_code == 200, retired.text
    assert retired.json()["retired_on"] == "2027-03-20"
    assert retired.json()["obligations_closed"] == 1
    listed = manager.get("/api/v1/contracts/C-1/models").json()["models"]
    assert listed[0]["model"]["retired_on"] == "2027-03-20"
    assert listed[0]["status"] == "retired"
    # Another contract's path does not reach the model.
    admin = api.client("admin")
    other = admin.post(f"/api/v1/contracts/C-2/models/{model['id']}/retire", json={"reason": "x"})
    assert other.status_code == 404


def test_model_errors_point_into_the_body(api: Api) -> None:
    admin = api.client("admin")
    outside = admin.post(
        "/api/v1/contracts/C-1/models", json={**NEW, "first_delivery_on": "2031-01-01"}
    )
    assert outside.status_code == 400
    assert outside.json()["error"]["field"] == "/first_delivery_on"
    assert "outside the contract" in outside.json()["error"]["message"]
    badly = admin.post("/api/v1/contracts/C-1/models", json={**NEW, "first_delivery_on": "soon"})
    assert badly.status_code == 400
    assert badly.json()["error"]["field"] == "/first_delivery_on"
    extra = admin.post("/api/v1/contracts/C-1/models", json={**NEW, "colour": "red"})
    assert extra.json()["error"]["field"] == "/colour"
    refused = api.client("manager").post("/api/v1/contracts/C-2/models", json=NEW)
    assert refused.status_code == 403


def test_the_models_are_in_the_openapi_description(api: Api) -> None:
    schema = api.client(None).get("/api/v1/openapi.json").json()
    listing = schema["paths"]["/contracts/{reference}/models"]
    assert listing["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContractModels"
    }
    assert "201" in listing["post"]["responses"]
    assert "400" in listing["post"]["responses"]
    retire = schema["paths"]["/contracts/{reference}/models/{model_id}/retire"]["post"]
    assert retire["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ModelRetire"
    }
