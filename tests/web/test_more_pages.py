"""Suppliers, findings, the audit trail, the clause library, /healthz and /metrics, read and
used as people (and monitoring systems) read and use them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.world import SUPPLIER, World, csrf_of, email_of, sign_in
from tracker.clock import utc_now
from tracker.config import load_settings
from tracker.errors import ConfigError
from tracker.web.app import create_app


def test_supplier_page_contacts_added_changed_removed(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    listed = client.get("/suppliers?q=devices").text
    assert "Example Devices AB" in listed
    assert "No supplier matches" in client.get("/suppliers?q=nothing-like-it").text
    page = client.get("/suppliers/1").text
    assert "<title>Example Devices AB" in page
    assert SUPPLIER in page
    assert "Notebooks C-1" in page
    assert "Notebooks C-2" in page
    assert "Send the facility certificate" in page  # an open obligation
    assert "On-time rate" in page
    token = csrf_of(page)
    bad = client.post(
        "/suppliers/1/contacts", data={"csrf_token": token, "email": "nobody", "role": "account"}
    )
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert 'href="#add-contact-f-email"' in bad.text
    assert 'id="add-contact-f-email"' in bad.text
    assert 'value="nobody"' in bad.text  # what was typed is kept
    added = client.post(
        "/suppliers/1/contacts",
        data={"csrf_token": token, "email": "sales@example.com", "role": "account"},
    )
    assert added.status_code == 303
    shown = client.get(added.headers["location"]).text
    assert "Contact added" in shown
    assert "sales@example.com" in shown
    found = re.search(
        r"Change or remove sales@example.com</summary>\s*<form method=\"post\" "
        r"action=\"/suppliers/1/contacts/(\d+)\"",
        shown,
    )
    assert found is not None
    contact = found.group(1)
    renamed = client.post(
        f"/suppliers/1/contacts/{contact}",
        data={"csrf_token": token, "email": "sales@example.com", "role": "account", "name": "Kim"},
    )
    assert "Contact changed" in client.get(renamed.headers["location"]).text
    removed = client.post(f"/suppliers/1/contacts/{contact}/remove", data={"csrf_token": token})
    after = client.get(removed.headers["location"]).text
    assert "Contact removed" in after
    assert "sales@example.com" not in after


def test_a_viewer_reads_suppliers_but_sees_no_forms(world: World) -> None:
    client = sign_in(world.app(), email_of("viewer"))
    page = client.get("/suppliers/1").text
    assert "Add a contact" not in page
    assert "Add a supplier" not in client.get("/suppliers").text


def test_finding_recorded_on_an_obligation_corrected_and_followed(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    oid = world.obligation("C-1", "audit")
    assert "Record a finding on this obligation" in client.get(f"/obligations/{oid}").text
    form = client.get(f"/obligations/{oid}/findings/new").text
    assert "<title>Record a finding on Send the social audit report" in form
    token = csrf_of(form)
    empty = client.post(f"/obligations/{oid}/findings", data={"csrf_token": token})
    assert empty.status_code == 400
    assert "There is a problem" in empty.text
    raised = client.post(
        f"/obligations/{oid}/findings",
        data={"csrf_token": token, "text": "Overtime above the limit at one site",
              "severity": "major", "cap": "yes"},
    )  # fmt: skip
    assert raised.status_code == 303
    page = client.get(raised.headers["location"]).text
    assert "Finding recorded" in page
    assert "Overtime above the limit at one site" in page
    assert "Corrective action plan" in page
    assert "Open" in page
    assert "in 14 days" in page  # the plan's deadline, in words
    finding = raised.headers["location"].split("?")[0]
    changed = client.post(
        finding, data={"csrf_token": token, "text": "Overtime above the limit at two sites",
                       "severity": "major"},
    )  # fmt: skip
    assert "Finding changed" in client.get(changed.headers["location"]).text
    listed = client.get("/findings?status=open&severity=major").text
    assert "Overtime above the limit at two sites" in listed
    assert "Overtime" not in client.get("/findings?severity=minor").text
    assert "Overtime above the limit at two sites" in client.get("/contracts/C-1").text


def test_a_manager_cannot_record_findings_on_someone_elses_contract(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    response = client.get("/contracts/C-2/findings/new")
    assert response.status_code == 403
    assert "You cannot do this" in response.text


def test_audit_trail_filters_and_verifies(world: World) -> None:
    client = sign_in(world.app(), email_of("auditor"))
    page = client.get("/audit?contract=C-1").text
    assert "<title>Audit trail" in page
    assert "tester@example.com" in page  # who attached the clause (through the CLI)
    assert "There is a problem" in client.get("/audit?since=yesterday").text
    verdict = client.get("/audit/verify").text
    assert "<title>Audit trail verified" in verdict
    assert "The chain is intact" in verdict
    assert "Verify the chain" not in sign_in(world.app(), email_of("manager")).get("/audit").text


def test_clause_library_reads_and_downloads(world: World) -> None:
    client = sign_in(world.app(), email_of("viewer"))
    library = client.get("/library").text
    assert "/library/web-clause" in library
    page = client.get("/library/web-clause").text
    assert "Send the facility certificate" in page
    assert "Sources" in page
    for fmt, kind in (("md", "text/markdown"), ("html", "text/html"), ("docx", "officedocument")):
        got = client.get(f"/library/web-clause/download?format={fmt}")
        assert got.status_code == 200
        assert kind in got.headers["content-type"]
        assert "web-clause-" in got.headers["content-disposition"]
    assert client.get("/library/no-such-clause").status_code == 404
    assert client.get("/library/web-clause/download?format=pdf").status_code == 400


def test_healthz_says_whether_the_worker_runs_without_personal_data(world: World) -> None:
    anonymous = TestClient(world.app())
    stale = anonymous.get("/healthz")
    assert stale.status_code == 503  # no worker has run in this world
    body = stale.json()
    assert body["ok"] is False
    assert any("sweep" in p for p in body["problems"])
    assert "@" not in stale.text
    world.cli.ok("sweep", "--now", "2027-03-05T09:59:00+01:00")
    world.cli.ok("relay", "--now", "2027-03-05T09:59:30+01:00")
    world.clock.now = utc_now()  # heartbeats are written at the real time
    jobs = {j["job"]: j for j in anonymous.get("/healthz").json()["jobs"]}
    assert jobs["sweep"]["stale"] is False
    assert jobs["relay"]["stale"] is False


def test_livez_answers_for_the_process_whatever_the_workers_do(
    world: World, tmp_path: Path
) -> None:
    anonymous = TestClient(world.app())
    assert anonymous.get("/healthz").status_code == 503  # no worker has run in this world
    live = anonymous.get("/livez")
    assert live.status_code == 200
    assert live.json() == {"ok": True}
    assert live.headers["cache-control"] == "no-store"
    # A database the process cannot open (its path is a folder): the balancer should
    # stop sending this process requests.
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    app = create_app(load_settings().model_copy(update={"database_url": f"sqlite:///{folder}"}))
    assert TestClient(app).get("/livez").status_code == 503


def test_metrics_for_admins_or_with_the_token(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "m" * 40
    monkeypatch.setenv("TRACKER_METRICS_TOKEN", token)
    app = world.app()
    scraper = TestClient(app, follow_redirects=False)
    assert scraper.get("/metrics").status_code == 303  # to sign in
    wrong = scraper.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
    assert wrong.status_code == 303
    got = scraper.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200
    assert 'tracker_obligations{status="upcoming"}' in got.text
    assert 'tracker_outbox_messages{status="failed"} 0.0' in got.text
    assert "tracker_healthy 0.0" in got.text
    assert sign_in(app, email_of("admin")).get("/metrics").status_code == 200
    assert sign_in(app, email_of("manager")).get("/metrics").status_code == 403


def test_real_smtp_needs_the_address_links_point_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_SMTP_URL", "smtp://mail.example.com:587")
    monkeypatch.delenv("TRACKER_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="TRACKER_BASE_URL"):
        load_settings()
    monkeypatch.setenv("TRACKER_BASE_URL", "https://tracker.example.com")
    assert load_settings().base_url == "https://tracker.example.com"
    monkeypatch.setenv("TRACKER_SMTP_URL", "smtp://127.0.0.1:2525")  # a local test server
    monkeypatch.delenv("TRACKER_BASE_URL")
    assert load_settings().base_url == "http://localhost:8000"


def test_produce_a_report_download_it_and_schedule_one(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    page = client.get("/reports").text
    assert "No report has been produced yet" in page
    token = csrf_of(page)
    wrong = client.post(
        "/reports",
        data={"csrf_token": token, "scope": "portfolio", "period": "last spring", "format": "csv"},
    )
    assert wrong.status_code == 400
    assert 'href="#produce-f-period"' in wrong.text
    made = client.post(
        "/reports",
        data={"csrf_token": token, "scope": "supplier:1", "period": "2027-Q1", "format": "csv"},
    )
    assert made.status_code == 303
    listed = client.get(made.headers["location"]).text
    assert "Report produced" in listed
    assert "supplier:1" in listed
    run = made.headers["location"].split("run=")[1].split("#")[0]
    got = client.get(f"/reports/runs/{run}/download?format=csv")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    # Named as `tracker report` names it, not after the run's number.
    assert got.headers["content-disposition"] == (
        'attachment; filename="compliance-report_supplier-1_2027-Q1.csv"; '
        "filename*=UTF-8''compliance-report_supplier-1_2027-Q1.csv"
    )
    assert client.get(f"/reports/runs/{run}/download?format=pdf").status_code == 404
    added = client.post(
        "/reports/schedules",
        data={"csrf_token": token, "every": "month", "scope": "portfolio",
              "to": "board@example.com", "formats": ["pdf", "xlsx"]},
    )  # fmt: skip
    assert added.status_code == 303
    shown = client.get(added.headers["location"]).text
    assert "Report schedule added" in shown
    assert "board@example.com" in shown
    schedule = re.search(r'action="/reports/schedules/(\d+)/remove"', shown)
    assert schedule is not None
    removed = client.post(
        f"/reports/schedules/{schedule.group(1)}/remove", data={"csrf_token": token}
    )
    after = client.get(removed.headers["location"]).text
    assert "Report schedule removed" in after
    assert "No report is scheduled" in after
    viewer = sign_in(world.app(), email_of("viewer")).get("/reports").text
    assert "Produce a report" not in viewer
