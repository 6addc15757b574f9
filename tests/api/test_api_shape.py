"""What every API caller relies on: errors in one JSON shape with a pointer to the field,
pages with a `next` link, uploads bounded while they stream, restricted evidence withheld,
and an OpenAPI description of the API alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import Api
from tests.web.world import PDF, SECRET
from tracker.web.api.errors import field_pointer


def test_a_use_case_field_becomes_a_json_pointer_into_the_body(api: Api) -> None:
    client = api.client("admin")
    response = client.patch("/api/v1/contracts/C-1", json={"end_on": "2020-01-01"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"message": "2020-01-01 is before the start date 2027-03-01", "field": "/end_on"}
    }
    unknown = client.post(
        "/api/v1/contracts/C-1/clauses",
        json={"clause_id": "web-clause", "params": {"no_such_period": "P1D"}},
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] in ("/params/no_such_period", "/clause_id")


def test_validation_errors_take_the_same_shape(api: Api) -> None:
    client = api.client("admin")
    response = client.patch("/api/v1/contracts/C-1", json={"end_on": "next tuesday"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "/end_on"
    assert "date" in response.json()["error"]["message"]
    extra = client.post("/api/v1/suppliers", json={"name": "X", "email": "x@example.com", "y": 1})
    assert extra.json()["error"]["field"] == "/y"
    not_json = client.post(
        "/api/v1/suppliers", content=b"<xml/>", headers={"content-type": "application/xml"}
    )
    assert not_json.status_code == 400
    assert not_json.json()["error"]["message"]
    limit = client.get("/api/v1/obligations", params={"limit": 100_000})
    assert limit.status_code == 400
    assert limit.json()["error"]["field"] == "/limit"


def test_unknown_addresses_and_methods_answer_in_json(api: Api) -> None:
    client = api.client("admin")
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"]
    for outside in ("/api/v1/contracts/a%0Ab", "/api/v2/contracts"):
        answer = client.get(outside)
        assert answer.status_code == 404, outside
        assert answer.json()["error"]["message"], outside
    wrong = client.delete("/api/v1/contracts")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["message"] == "DELETE is not allowed here"


def test_pointers_escape_slashes_and_tildes() -> None:
    assert field_pointer("params.disclosure_period") == "/params/disclosure_period"
    assert field_pointer("fields.a/b~c") == "/fields/a~1b~0c"
    assert field_pointer("supplier_name") == "/name"
    assert field_pointer(None) is None


def test_lists_come_in_pages_with_a_next_link(api: Api) -> None:
    client = api.client("viewer")
    everything = client.get("/api/v1/obligations", params={"limit": 200}).json()
    assert everything["next"] is None
    assert len(everything["items"]) == 6
    seen: list[int] = []
    url: str | None = "/api/v1/obligations?limit=4"
    pages = 0
    while url is not None:
        page = client.get(url).json()
        assert len(page["items"]) <= 4
        seen += [o["id"] for o in page["items"]]
        url = page["next"]
        pages += 1
    assert pages == 2
    assert seen == [o["id"] for o in everything["items"]]
    filtered = client.get("/api/v1/obligations?contract=C-1&limit=2").json()
    assert filtered["next"] == "/api/v1/obligations?contract=C-1&limit=2&cursor=2"
    bad = client.get("/api/v1/obligations", params={"cursor": "abc"})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "/cursor"


def test_contracts_come_in_numbered_pages(api: Api) -> None:
    client = api.client("admin")
    for n in range(30):
        created = client.post(
            "/api/v1/contracts",
            json={
                "reference": f"P-{n:02}",
                "supplier_id": 1,
                "title": "Paged",
                "start_on": "2027-01-01",
                "end_on": "2028-01-01",
            },
        )
        assert created.status_code == 201, created.text
    first = client.get("/api/v1/contracts", params={"q": "paged"}).json()
    assert len(first["items"]) == 25
    assert first["next"] == "/api/v1/contracts?q=paged&page=2"
    second = client.get(first["next"]).json()
    assert [c["reference"] for c in second["items"]] == [f"P-{n:02}" for n in range(25, 30)]
    assert second["next"] is None


def test_restricted_evidence_is_never_shown_to_a_viewer(api: Api) -> None:
    viewer = api.client("viewer")
    oid = api.world.obligation("C-1", "factory-list")
    listed = viewer.get("/api/v1/evidence")
    restricted = [e for e in listed.json()["items"] if e["confidentiality"] == "restricted"]
    assert restricted
    assert {e["file"] for e in restricted} == {"[restricted]"}
    for path in (
        "/api/v1/evidence",
        f"/api/v1/evidence?obligation_id={oid}",
        f"/api/v1/obligations/{oid}",
        "/api/v1/contracts/C-1",
    ):
        text = viewer.get(path).text
        assert "factories-C-1.csv" not in text, path
        assert "site_count" not in text or '"[restricted]"' in text, path
        assert SECRET not in text, path


def chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_upload_over_the_limit_is_refused_while_it_streams(
    api: Api, monkeypatch: pytest.MonkeyPatch, chunked: bool
) -> None:
    monkeypatch.setenv("TRACKER_EVIDENCE_MAX_BYTES", "20000")
    client = api.client("manager")
    oid = api.world.obligation("C-1", "certificate")
    big = PDF + b"0" * 200_000
    boundary = "xBOUNDARYx"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence_type"\r\n\r\n'
            f"certificate\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="fields.certificate_number"\r\n\r\nC-1\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/api/v1/obligations/{oid}/evidence",
        content=chunks(body) if chunked else body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "/file"
    assert [e for e in api.world.evidence() if e.obligation_id == oid] == []
    ok = client.post(
        f"/api/v1/obligations/{oid}/evidence",
        data={"evidence_type": "certificate", "fields.certificate_number": "C-1"},
        files={"file": ("small.pdf", PDF + b"%" * 1000, "application/pdf")},
    )
    assert ok.status_code == 201, ok.text


def test_the_openapi_description_is_of_the_api_alone(api: Api) -> None:
    client = api.client(None)
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["servers"] == [{"url": "/api/v1"}]
    paths = set(schema["paths"])
    assert {"/suppliers", "/contracts/{reference}", "/obligations/{obligation_id}/evidence"} <= (
        paths
    )
    assert not paths & {"/", "/sign-in", "/sign-out", "/outbox"}
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"HTTPBearer": []}], (method, path)
            assert "200" in operation["responses"] or "201" in operation["responses"]
            assert "403" in operation["responses"]
    contract = schema["paths"]["/contracts/{reference}"]["get"]["responses"]["200"]
    assert contract["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContractDetail"
    }
    upload = schema["paths"]["/obligations/{obligation_id}/evidence"]["post"]
    assert "413" in upload["responses"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert client.get("/openapi.json").status_code == 404  # the pages have none
