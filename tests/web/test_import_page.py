"""Importing contracts from a file in the browser: upload, check, confirm; bad files listed
problem by problem with nothing written; the size cap counted while the file streams in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import col

from tests.web.world import World, csrf_of, email_of, sign_in
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, Contract, Supplier

PACKAGE = Path(__file__).parent.parent / "fixtures" / "ocds" / "notebooks-release-package.json"
CON_1 = "ocds-exmpl1-0001/CON-1"
HEADER = "reference,title,supplier_name,supplier_email,start_on,end_on,cpv_codes"


def counts(world: World) -> list[int]:
    """Contracts, suppliers and their audit events (signing in is audited too)."""
    records = select(func.count()).where(col(AuditEvent.entity).in_(["contract", "supplier"]))
    with read_session(get_engine(world.url)) as s:
        return [
            *(
                int(s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (Contract, Supplier)
            ),
            int(s.scalar(records) or 0),
        ]


def send(client: TestClient, name: str, content: bytes, **fields: str) -> str:
    token = csrf_of(client.get("/import").text)
    response = client.post(
        "/import", data={"csrf_token": token, **fields}, files={"file": (name, content)}
    )
    return f"{response.status_code}\n{response.text}"


def test_an_ocds_file_is_checked_then_imported_on_confirmation(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    assert "Import contracts from a file" in client.get("/contracts").text
    before = counts(world)
    checked = send(client, PACKAGE.name, PACKAGE.read_bytes(), manager_email=email_of("manager"))
    assert checked.startswith("200\n")
    assert "Check what notebooks-release-package.json would do" in checked
    assert CON_1 in checked
    assert "would create" in checked
    assert "no awarded contract in this process yet" in checked
    assert counts(world) == before  # a check writes nothing
    key = re.search(r'name="key" value="([0-9a-f]+)"', checked)
    assert key is not None

    # Someone else cannot confirm this person's upload.
    admin = sign_in(world.app(), email_of("admin"))
    stolen = admin.post(
        "/import/confirm",
        data={"csrf_token": csrf_of(admin.get("/import").text), "key": key.group(1)},
    )
    assert stolen.status_code == 400
    assert "no longer waiting to be imported" in stolen.text
    assert counts(world) == before

    page = checked.split("\n", 1)[1]
    confirmed = client.post(
        "/import/confirm",
        data={
            "csrf_token": csrf_of(page),
            "key": key.group(1),
            "manager_email": email_of("manager"),
        },
    )
    assert confirmed.status_code == 200
    assert "notebooks-release-package.json was imported" in confirmed.text
    assert "created" in confirmed.text
    listed = client.get("/contracts").text
    assert CON_1 in listed
    assert "Notebooks for schools, lot 1" in listed
    after = counts(world)
    # Posting the confirmation again imports nothing twice.
    again = client.post("/import/confirm", data={"csrf_token": csrf_of(page), "key": key.group(1)})
    assert again.status_code == 400
    assert counts(world) == after


def test_a_spreadsheet_with_problems_lists_each_and_writes_nothing(world: World) -> None:
    client = sign_in(world.app(), email_of("admin"))
    before = counts(world)
    rows = [
        HEADER,
        "C-10,Notebooks,Example Devices AB,,2027-03-01,2030-02-28,30213100",
        "C-11,Monitors,Example Devices AB,,2027-03-01,2026-02-28,3023",
    ]
    answer = send(client, "contracts.csv", "\n".join(rows).encode())
    assert answer.startswith("400\n")
    assert "contracts.csv cannot be imported" in answer
    assert (
        "<strong>contracts.csv row 3, column end_on</strong>: "
        "2026-02-28 is before the start date 2027-03-01"
    ) in answer
    assert "<strong>contracts.csv row 3, column cpv_codes</strong>" in answer
    assert "Confirm the import" not in answer
    assert counts(world) == before

    good = send(client, "contracts.csv", "\n".join(rows[:2]).encode())
    assert good.startswith("200\n")
    assert "would create" in good
    page = good.split("\n", 1)[1]
    key = re.search(r'name="key" value="([0-9a-f]+)"', page)
    assert key is not None
    done = client.post("/import/confirm", data={"csrf_token": csrf_of(page), "key": key.group(1)})
    assert done.status_code == 200
    assert client.get("/contracts/C-10").status_code == 200


def test_what_is_not_a_contracts_file_is_refused_naming_the_field(world: World) -> None:
    client = sign_in(world.app(), email_of("manager"))
    answer = send(client, "notes.txt", b"hello")
    assert answer.startswith("400\n")
    assert "&#39;notes.txt&#39; is neither an OCDS file" in answer
    nothing = client.post("/import", data={"csrf_token": csrf_of(client.get("/import").text)})
    assert nothing.status_code == 400
    assert "Choose a file to import" in nothing.text
    broken = send(client, "feed.json", b'{"releases": [')
    assert broken.startswith("400\n")
    assert "feed.json cannot be imported" in broken


def test_a_file_over_the_limit_is_refused_while_it_streams(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_MAX_BYTES", "1000")
    client = sign_in(world.app(), email_of("manager"))
    before = counts(world)
    answer = send(client, "big.csv", HEADER.encode() + b"\n" + b"x" * 200_000)
    assert answer.startswith("413\n")
    assert "The file is too large" in answer
    assert "Nothing was stored" in answer
    assert counts(world) == before
