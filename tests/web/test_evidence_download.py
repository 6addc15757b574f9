"""Downloading an evidence file from the pages and the API: who gets which file, the audit
event each download leaves, and a Content-Disposition no file name can break."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from tests.web.world import CLI_NOW, PDF, SECRET, World, email_of, sign_in
from tracker.db import get_engine, read_session, write_session
from tracker.models import AuditEvent, Evidence
from tracker.web.downloads import attachment

ODD_NAME = 'Prüfbericht "final" 2027 \u2013 監査.pdf'

# role -> (restricted file on C-1, managed by "manager"; on C-2, managed by someone else)
RESTRICTED = {
    "admin": (200, 200),
    "manager": (200, 403),
    "reviewer": (200, 200),
    "auditor": (403, 403),
    "viewer": (403, 403),
}


def restricted_ids(world: World) -> tuple[int, int]:
    by_contract = {
        e.contract_id: e.id for e in world.evidence() if e.confidentiality == "restricted"
    }
    first, second = by_contract[world.contract_id("C-1")], by_contract[world.contract_id("C-2")]
    assert first is not None
    assert second is not None
    return first, second


def public_certificate(world: World, reference: str = "C-2", name: str = ODD_NAME) -> int:
    """A public certificate on `reference`, uploaded under an awkward name."""
    pdf = world.tmp / "upload.pdf"
    pdf.write_bytes(PDF)
    world.cli.ok(
        "evidence", "add", str(world.obligation(reference, "certificate")), str(pdf),
        "--type", "certificate", "--field", "certificate_number=C-9", "--name", name,
        "--now", CLI_NOW,
    )  # fmt: skip
    [row] = [e for e in world.evidence() if e.evidence_type == "certificate"]
    assert row.id is not None
    return row.id


def downloads(world: World) -> list[AuditEvent]:
    with read_session(get_engine(world.url)) as s:
        return list(
            s.scalars(
                select(AuditEvent)
                .where(col(AuditEvent.action) == "downloaded")
                .order_by(col(AuditEvent.id))
            )
        )


@pytest.mark.parametrize("role", sorted(RESTRICTED))
def test_each_role_gets_the_files_it_may_have(world: World, role: str) -> None:
    own, other = restricted_ids(world)
    public = public_certificate(world)
    client = sign_in(world.app(), email_of(role))
    for evidence_id, expected in zip((own, other), RESTRICTED[role], strict=True):
        response = client.get(f"/evidence/{evidence_id}/file")
        assert response.status_code == expected, (role, evidence_id)
        if expected == 200:
            assert SECRET in response.text
            assert response.headers["content-disposition"].startswith("attachment;")
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["cache-control"] == "no-store"
        else:
            assert SECRET not in response.text
            assert "a reviewer or an admin" in response.text
    # A public file on a contract they do not manage: anyone who may read it.
    response = client.get(f"/evidence/{public}/file")
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    allowed = 1 + sum(1 for code in RESTRICTED[role] if code == 200)
    events = downloads(world)
    assert len(events) == allowed  # refused requests leave no download event
    assert {e.actor for e in events} == {email_of(role)}


def test_links_to_files_only_for_people_who_may_have_them(world: World) -> None:
    own, _ = restricted_ids(world)
    oid = world.obligation("C-1", "factory-list")
    for role, linked in (("manager", True), ("reviewer", True), ("auditor", False)):
        client = sign_in(world.app(), email_of(role))
        for page in (f"/obligations/{oid}", "/contracts/C-1"):
            html = client.get(page).text
            assert (f'href="/evidence/{own}/file"' in html) is linked, (role, page)
    viewer = sign_in(world.app(), email_of("viewer")).get(f"/obligations/{oid}").text
    assert "/file" not in viewer
    assert "[restricted]" in viewer


def test_unknown_evidence_and_links_are_not_found(world: World) -> None:
    client = sign_in(world.app(), email_of("admin"))
    assert client.get("/evidence/999999/file").status_code == 404
    link = public_certificate(world)
    with write_session(get_engine(world.url)) as s:  # as a link is stored
        s.execute(
            update(Evidence)
            .where(col(Evidence.id) == link)
            .values(sha256=None, size_bytes=None, filename=None, url="https://example.com/c")
        )
    response = client.get(f"/evidence/{link}/file")
    assert response.status_code == 404
    assert "is a link, not a file" in response.text
    assert downloads(world) == []


def test_the_audit_event_names_the_person_and_keeps_restricted_names_out(world: World) -> None:
    own, _ = restricted_ids(world)
    public = public_certificate(world, "C-1")
    client = sign_in(world.app(), email_of("manager"))
    assert client.get(f"/evidence/{own}/file").status_code == 200
    assert client.get(f"/evidence/{public}/file").status_code == 200
    restricted, open_ = downloads(world)
    assert (restricted.actor, restricted.entity_id) == (email_of("manager"), str(own))
    assert restricted.after is not None
    assert "filename" not in restricted.after
    assert restricted.after["confidentiality"] == "restricted"
    assert open_.after is not None
    assert open_.after["filename"] == ODD_NAME
    trail = sign_in(world.app(), email_of("admin")).get("/audit").text
    assert "downloaded" in trail


def test_an_odd_file_name_gives_a_safe_header(world: World) -> None:
    public = public_certificate(world)
    client = sign_in(world.app(), email_of("viewer"))
    header = client.get(f"/evidence/{public}/file").headers["content-disposition"]
    assert header.isascii()
    assert "\n" not in header
    assert "\r" not in header
    exact = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(exact) == ODD_NAME
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback == "Prufbericht _final_ 2027 _ __.pdf"
    # A name stored before names were checked on upload, with a line break and a quote.
    with write_session(get_engine(world.url)) as s:
        s.execute(
            update(Evidence)
            .where(col(Evidence.id) == public)
            .values(filename='a"\r\nX-Evil: 1.pdf')
        )
    response = client.get(f"/evidence/{public}/file")
    assert response.status_code == 200
    assert "x-evil" not in response.headers
    header = response.headers["content-disposition"]
    assert header == (
        "attachment; filename=\"a___X-Evil: 1.pdf\"; filename*=UTF-8''a%22%0D%0AX-Evil%3A%201.pdf"
    )


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("report.pdf", "report.pdf"),
        ("100% done.pdf", "100_ done.pdf"),
        ("back\\slash.pdf", "back_slash.pdf"),
        ("факт.pdf", "____.pdf"),
    ],
)
def test_attachment_header(name: str, fallback: str) -> None:
    value = attachment(name)
    assert value.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert unquote(value.split("''", 1)[1]) == name
