"""Uploading, reviewing and waiving from the obligation page; the size limit; restricted
evidence; the dashboard and contract pages showing what a manager needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.world import PDF, SECRET, World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import Obligation


def stored(world: World) -> list[Path]:
    root = world.tmp / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(
    client: TestClient, oid: int, *, content: bytes, name: str = "cert.pdf", **fields: str
) -> object:
    token = csrf_of(client.get(f"/obligations/{oid}").text)
    return client.post(
        f"/obligations/{oid}/evidence",
        data={"csrf_token": token, "evidence_type": "certificate", **fields},
        files={"file": (name, content, "application/pdf")},
    )


def test_upload_accept_and_see_it_on_every_page(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    oid = world.obligation("C-1", "certificate")
    page = client.get(f"/obligations/{oid}").text
    assert "Facility certificate" in page
    assert "certificate number" in page  # the required field, from the clause
    response = upload(client, oid, content=PDF, **{"fields.certificate_number": "C-77"})
    assert response.status_code == 303  # type: ignore[attr-defined]
    shown = client.get(response.headers["location"]).text  # type: ignore[attr-defined]
    assert "Evidence uploaded" in shown
    assert "cert.pdf" in shown
    assert "C-77" in shown
    [row] = [e for e in world.evidence() if e.obligation_id == oid]
    dashboard = client.get("/").text
    assert f"/obligations/{oid}#evidence-{row.id}" in dashboard  # waiting for review
    form = client.get(f"/obligations/{oid}").text
    accepted = client.post(
        f"/evidence/{row.id}/review",
        data={"csrf_token": csrf_of(form), "obligation_id": str(oid), "decision": "accept"},
    )
    assert accepted.status_code == 303
    assert "Evidence accepted" in client.get(accepted.headers["location"]).text
    with read_session(get_engine(world.url)) as s:
        assert s.get(Obligation, oid).status == "accepted"  # type: ignore[union-attr]
    assert "Send the facility certificate" in client.get("/contracts/C-1").text


def test_missing_field_is_shown_next_to_it_and_nothing_is_stored(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    oid = world.obligation("C-1", "certificate")
    before = len(world.evidence())
    response = upload(client, oid, content=PDF)
    assert response.status_code == 400  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "There is a problem" in text
    assert "certificate_number" in text
    assert len(world.evidence()) == before


def chunks(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_upload_over_the_limit_is_refused_with_nothing_stored(
    world: World, monkeypatch: pytest.MonkeyPatch, chunked: bool
) -> None:
    monkeypatch.setenv("TRACKER_EVIDENCE_MAX_BYTES", "20000")
    client = sign_in(world.app(), email_of("manager"))
    oid = world.obligation("C-1", "certificate")
    files_before = stored(world)
    big = PDF + b"0" * 200_000
    if not chunked:
        response = upload(client, oid, content=big, **{"fields.certificate_number": "C-1"})
    else:
        token = csrf_of(client.get(f"/obligations/{oid}").text)
        boundary = "xBOUNDARYx"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{token}\r\n"
                f'--{boundary}\r\nContent-Disposition: form-data; name="evidence_type"\r\n\r\n'
                f'certificate\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + big
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = client.post(
            f"/obligations/{oid}/evidence",
            content=chunks(body),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert "too large" in response.text  # type: ignore[attr-defined]
    assert [e for e in world.evidence() if e.obligation_id == oid] == []
    assert stored(world) == files_before
    # Just under the limit is fine.
    ok = upload(client, oid, content=PDF + b"%" * 1000, **{"fields.certificate_number": "C-1"})
    assert ok.status_code == 303  # type: ignore[attr-defined]


def test_restricted_evidence_is_hidden_from_a_viewer(world: World) -> None:
    oid = world.obligation("C-1", "factory-list")
    viewer = sign_in(world.app(), email_of("viewer")).get(f"/obligations/{oid}").text
    assert "[restricted]" in viewer
    assert "factories-C-1.csv" not in viewer
    contract = sign_in(world.app(), email_of("viewer")).get("/contracts/C-1").text
    assert "factories-C-1.csv" not in contract
    manager = sign_in(world.app(), email_of("manager")).get(f"/obligations/{oid}").text
    assert "factories-C-1.csv" in manager
    assert SECRET not in viewer  # file content is never on a page


def test_reject_with_reason_tells_the_supplier_through_the_outbox(world: World) -> None:
    client = sign_in(world.app(), email_of("reviewer"))
    oid = world.obligation("C-2", "factory-list")
    [row] = [e for e in world.evidence() if e.obligation_id == oid]
    page = client.get(f"/obligations/{oid}").text
    missing = client.post(
        f"/evidence/{row.id}/review",
        data={"csrf_token": csrf_of(page), "obligation_id": str(oid), "decision": "reject"},
    )
    assert missing.status_code == 400
    assert "must say why" in missing.text
    done = client.post(
        f"/evidence/{row.id}/review",
        data={
            "csrf_token": csrf_of(page),
            "obligation_id": str(oid),
            "decision": "reject",
            "reason": "The list misses the assembly site",
            "resubmit_by": "2027-04-01",
        },
    )
    assert done.status_code == 303
    assert "Evidence rejected" in client.get(done.headers["location"]).text
    # The worker's sweep composes the notice into the outbox.
    world.cli.ok("sweep", "--now", "2027-03-05T11:00:00+01:00")
    outbox = client.get("/outbox").text
    assert "compliance@example.com" in outbox
    assert "C-2" in outbox


def test_waive_needs_a_reason_and_is_confirmed(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    oid = world.obligation("C-1", "audit")
    token = csrf_of(client.get(f"/obligations/{oid}").text)
    empty = client.post(f"/obligations/{oid}/waive", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 400
    assert "say why" in empty.text.lower()
    done = client.post(
        f"/obligations/{oid}/waive", data={"csrf_token": token, "reason": "Not in scope"}
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Obligation waived" in page
    assert "Not in scope" in page


def test_contract_list_search_filter_and_pages(world: World) -> None:
    client = sign_in(world.app(), email_of("auditor"))
    assert "2 contracts" in client.get("/contracts").text
    assert "1 contract" in client.get("/contracts?q=c-2").text
    assert "1 contract" in client.get("/contracts?q=Notebooks%20C-1&status=active").text
    assert "0 contracts" in client.get("/contracts?q=Example&status=terminated").text
    assert "2 contracts" in client.get("/contracts?supplier=1").text
    assert client.get("/contracts?page=0").status_code == 400


def test_contract_list_pages_through_many(world: World) -> None:
    for n in range(3, 28):
        world.cli.ok(
            "contract", "add", f"P-{n:02d}", "--supplier", "1", "--title", "Paged",
            "--start", "2027-03-01", "--end", "2030-02-28", "--timezone", "Europe/Berlin",
        )  # fmt: skip
    client = sign_in(world.app(), email_of("viewer"))
    first = client.get("/contracts").text
    assert "27 contracts, page 1 of 2" in first
    assert "C-1" in first
    assert 'rel="next"' in first
    second = client.get("/contracts?page=2").text
    assert "page 2 of 2" in second
    assert "P-27" in second
    assert "C-1<" not in second
    assert 'rel="prev"' in second
