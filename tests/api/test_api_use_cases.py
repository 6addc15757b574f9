"""Each API endpoint doing what a contract manager would do through it, on a real database
(both engines): suppliers, contracts, clauses, obligations, evidence, findings, reports."""

from __future__ import annotations

import hashlib

from tests.api.conftest import Api
from tests.web.world import PDF, SUPPLIER, email_of


def test_suppliers_and_their_contacts(api: Api) -> None:
    client = api.client("manager")
    created = client.post(
        "/api/v1/suppliers",
        json={"name": "Acme Recycling", "email": "ops@example.com", "country": "SE"},
    )
    assert created.status_code == 201, created.text
    supplier = created.json()
    assert supplier["contacts"][0]["email"] == "ops@example.com"
    sid = supplier["id"]
    edited = client.patch(f"/api/v1/suppliers/{sid}", json={"identifiers": ["SE:556000-0001"]})
    assert edited.json()["identifiers"] == ["SE:556000-0001"]
    contact = client.post(
        f"/api/v1/suppliers/{sid}/contacts",
        json={"email": "boss@example.com", "role": "escalation", "name": "Boss"},
    )
    assert contact.status_code == 201, contact.text
    cid = contact.json()["id"]
    renamed = client.patch(f"/api/v1/contacts/{cid}", json={"name": "Head of sales"})
    assert renamed.json()["name"] == "Head of sales"
    removed = client.delete(f"/api/v1/contacts/{cid}")
    assert removed.status_code == 200
    assert removed.json()["email"] == "boss@example.com"
    shown = client.get(f"/api/v1/suppliers/{sid}").json()
    assert [c["email"] for c in shown["contacts"]] == ["ops@example.com"]
    listed = client.get("/api/v1/suppliers").json()["items"]
    assert {s["name"] for s in listed} == {"Example Devices AB", "Acme Recycling"}
    assert client.get("/api/v1/suppliers/999").status_code == 404


def test_a_contract_from_creation_to_its_end(api: Api) -> None:
    client = api.client("admin")
    created = client.post(
        "/api/v1/contracts",
        json={
            "reference": "C-3",
            "supplier_id": 1,
            "title": "Docking stations",
            "start_on": "2027-04-01",
            "end_on": "2029-03-31",
            "timezone": "Europe/Berlin",
            "manager_email": email_of("manager"),
            "value": "125000.50",
            "currency": "EUR",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["value_amount"] == "125000.50"
    attached = client.post("/api/v1/contracts/C-3/clauses", json={"clause_id": "web-clause"})
    assert attached.status_code == 201, attached.text
    assert attached.json()["obligations_planned"] == 3
    edited = client.patch("/api/v1/contracts/C-3", json={"title": "Docking stations and hubs"})
    assert edited.json()["changes"][0]["field"] == "title"
    shown = client.get("/api/v1/contracts/C-3").json()
    assert shown["title"] == "Docking stations and hubs"
    assert [c["clause_id"] for c in shown["clauses"]] == ["web-clause"]
    assert {row["obligation"] for row in shown["schedule"]} >= {"Send the facility certificate"}
    found = client.get("/api/v1/contracts", params={"q": "docking"}).json()["items"]
    assert [c["reference"] for c in found] == ["C-3"]
    ended = client.post(
        "/api/v1/contracts/C-3/end",
        json={"status": "terminated", "ended_on": "2027-03-05", "reason": "Supplier insolvent"},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "terminated"
    again = client.post("/api/v1/contracts/C-3/clauses", json={"clause_id": "web-clause"})
    assert again.status_code == 400
    assert client.get("/api/v1/contracts", params={"status": "terminated"}).json()["items"]
    assert client.get("/api/v1/contracts/NOPE").status_code == 404


def test_the_clause_library(api: Api) -> None:
    client = api.client("viewer")
    ids = [c["id"] for c in client.get("/api/v1/clauses", params={"limit": 200}).json()["items"]]
    assert "web-clause" in ids
    clause = client.get("/api/v1/clauses/web-clause").json()
    assert [o["id"] for o in clause["obligations"]] == ["certificate", "factory-list", "audit"]
    missing = client.get("/api/v1/clauses/no-such-clause")
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "/clause_id"


def test_obligations_listed_shown_extended_and_waived(api: Api) -> None:
    client = api.client("manager")
    listed = client.get("/api/v1/obligations", params={"contract": "C-1"}).json()["items"]
    assert {o["obligation"] for o in listed} == {
        "Send the facility certificate",
        "Disclose the factory list",
        "Send the social audit report",
    }
    oid = api.world.obligation("C-1", "certificate")
    shown = client.get(f"/api/v1/obligations/{oid}").json()
    assert shown["due_on"] == "2027-03-11"
    extended = client.post(
        f"/api/v1/obligations/{oid}/extend",
        json={"to": "2027-04-30", "reason": "Certification body backlog"},
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["due_on"] == "2027-04-30"
    assert client.get(f"/api/v1/obligations/{oid}").json()["planned_due_on"] == "2027-03-11"
    audit = api.world.obligation("C-1", "audit")
    waived = client.post(f"/api/v1/obligations/{audit}/waive", json={"reason": "Audited in 2026"})
    assert waived.status_code == 200, waived.text
    assert waived.json()["status"] == "waived"
    assert (
        client.get("/api/v1/obligations", params={"status": "waived"}).json()["items"][0]["id"]
        == audit
    )
    refused = client.post(f"/api/v1/obligations/{audit}/waive", json={"reason": "  "})
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "/reason"


def test_evidence_uploaded_listed_and_reviewed(api: Api) -> None:
    oid = api.world.obligation("C-1", "certificate")
    uploaded = api.client("manager").post(
        f"/api/v1/obligations/{oid}/evidence",
        data={"evidence_type": "certificate", "fields.certificate_number": "TCO-123"},
        files={"file": ("certificate.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    [row] = uploaded.json()
    assert row["file"] == "certificate.pdf"
    assert row["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert row["obligation_status"] == "submitted"
    listed = api.client("viewer").get("/api/v1/evidence", params={"obligation_id": oid}).json()
    assert [e["id"] for e in listed["items"]] == [row["id"]]
    reviewer = api.client("reviewer")
    rejected = reviewer.post(f"/api/v1/evidence/{row['id']}/review", json={"decision": "reject"})
    assert rejected.status_code == 400
    assert rejected.json()["error"]["field"] == "/reason"
    accepted = reviewer.post(f"/api/v1/evidence/{row['id']}/review", json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["obligation_status"] == "accepted"


def test_a_rejection_tells_the_supplier(api: Api) -> None:
    [evidence] = [e for e in api.world.evidence() if e.contract_id == api.world.contract_id("C-1")]
    rejected = api.client("reviewer").post(
        f"/api/v1/evidence/{evidence.id}/review",
        json={"decision": "reject", "reason": "The list has no addresses"},
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert SUPPLIER in rejected.json()["notified"]


def test_findings_recorded_corrected_and_listed(api: Api) -> None:
    client = api.client("manager")
    oid = api.world.obligation("C-1", "certificate")
    raised = client.post(
        "/api/v1/findings",
        json={"severity": "major", "text": "Certificate expired", "obligation_id": oid},
    )
    assert raised.status_code == 201, raised.text
    finding = raised.json()
    assert finding["cap_obligation_id"] is not None
    corrected = client.patch(f"/api/v1/findings/{finding['id']}", json={"severity": "priority"})
    assert corrected.json()["severity"] == "priority"
    listed = client.get("/api/v1/findings", params={"contract": "C-1"}).json()["items"]
    assert [(f["id"], f["severity"]) for f in listed] == [(finding["id"], "priority")]
    neither = client.post("/api/v1/findings", json={"severity": "minor", "text": "Something"})
    assert neither.status_code == 400
    assert neither.json()["error"]["field"] == "/obligation_id"
    assert client.patch("/api/v1/findings/999", json={"text": "x"}).status_code == 404


def test_a_report_produced_listed_and_downloaded(api: Api) -> None:
    client = api.client("auditor")
    produced = client.post(
        "/api/v1/reports", json={"scope": "contract:C-1", "period": "2027-Q1", "format": "csv"}
    )
    assert produced.status_code == 201, produced.text
    run = produced.json()
    assert run["scope"] == "contract:C-1"
    assert run["period"] == "2027-Q1"
    [listed] = client.get("/api/v1/reports").json()["items"]
    assert listed["id"] == run["run_id"]
    assert listed["created_by"] == email_of("auditor")
    download = client.get(f"/api/v1/reports/{run['run_id']}/csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert hashlib.sha256(download.content).hexdigest() == run["sha256"]
    assert run["filename"] == "compliance-report_contract-C-1_2027-Q1.csv"
    assert download.headers["content-disposition"].endswith(f"filename*=UTF-8''{run['filename']}")
    assert client.get(f"/api/v1/reports/{run['run_id']}/pdf").status_code == 404
    bad = client.post(
        "/api/v1/reports", json={"scope": "planet", "period": "2027-Q1", "format": "csv"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "/scope"
