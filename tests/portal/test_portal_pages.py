"""The supplier portal end to end on a real database (both engines): the link arrives in a
real email, opens only its own contract, takes an upload with a receipt, and refuses
expired, revoked, tampered and cross-contract tokens with a clear page, storing nothing."""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli
from tests.web.world import PDF, World, build, csrf_of
from tracker.db import get_engine, read_session
from tracker.models import (
    AuditEvent,
    Obligation,
    PortalLink,
    PortalUse,
    SupplierContact,
)
from tracker.people.secret_tokens import digest

SWEEP_AT = "2027-03-05T10:00:00+01:00"
LINK = re.compile(r"http://localhost:8000/s/([A-Za-z0-9_-]{20,})")


@pytest.fixture
def world(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    monkeypatch.setenv("TRACKER_OUTBOX_DIR", str(tmp_path / "sent"))
    return build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch, evidence=False)


def sent_mail(world: World) -> list[EmailMessage]:
    found = []
    for path in sorted((world.tmp / "sent").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return found


def body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def links_in(world: World, reference: str = "C-1") -> list[str]:
    found = []
    for msg in sent_mail(world):
        match = LINK.search(body(msg))
        if match and f"[{reference}]" in str(msg["subject"]):
            found.append(match.group(1))
    return found


def link_from_email(world: World) -> str:
    world.cli.ok("sweep", "--now", SWEEP_AT)
    world.cli.ok("relay", "--now", SWEEP_AT)
    tokens = links_in(world)
    assert tokens, "no supplier email carried a portal link"
    return tokens[-1]


def count(world: World, model: type) -> int:
    with read_session(get_engine(world.url)) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def client(world: World) -> TestClient:
    return TestClient(world.app(), follow_redirects=False, client=("192.0.2.7", 40000))


def post_upload(
    c: TestClient,
    token: str,
    oid: int,
    *,
    declared: bool = True,
    csrf: str | None = None,
    **extra: str,
) -> httpx.Response:
    page = c.get(f"/s/{token}").text
    data = {
        "csrf_token": csrf if csrf is not None else csrf_of(page),
        "evidence_type": "certificate",
        "fields.certificate_number": "C-77",
        **extra,
    }
    if declared:
        data["declaration"] = "yes"
    response: httpx.Response = c.post(
        f"/s/{token}/obligations/{oid}/evidence",
        data=data,
        files={"file": ("cert.pdf", PDF, "application/pdf")},
    )
    return response


def test_the_email_carries_a_link_the_outbox_copy_does_not(world: World) -> None:
    token = link_from_email(world)
    assert len(token) >= 22  # at least 128 bits
    for message in world.outbox():
        assert token.encode() not in message.raw
    with read_session(get_engine(world.url)) as s:
        [link] = s.scalars(
            select(PortalLink).where(col(PortalLink.contract_id) == world.contract_id("C-1"))
        ).all()
    assert link.token_sha256 == digest(token)
    # A later email reuses the live link instead of minting another.
    world.cli.ok("sweep", "--now", "2027-03-11T10:00:00+01:00")
    world.cli.ok("relay", "--now", "2027-03-11T10:00:00+01:00")
    later = links_in(world)
    assert len(later) >= 2
    assert set(later) == {token}
    assert count(world, PortalLink) == 2  # one per contract, however many emails
    shown = world.cli.ok("portal", "links", "--contract", "C-1").out
    assert "compliance@example.com" in shown
    assert token not in shown


def test_opening_the_link_shows_only_its_contract_and_changes_nothing(world: World) -> None:
    token = link_from_email(world)
    before = (count(world, AuditEvent), count(world, PortalUse))
    c = client(world)
    page = c.get(f"/s/{token}")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "Contract C-1" in page.text
    assert "Send the facility certificate" in page.text
    assert "Facility certificate" in page.text  # what evidence is accepted
    assert "Notebooks C-2" not in page.text
    assert (count(world, AuditEvent), count(world, PortalUse)) == before


def test_upload_gives_a_receipt_whose_hash_is_the_stored_file(world: World) -> None:
    token = link_from_email(world)
    c = client(world)
    oid = world.obligation("C-1", "certificate")
    response = post_upload(c, token, oid)
    assert response.status_code == 303, response.text
    receipt = c.get(response.headers["location"])
    sha = hashlib.sha256(PDF).hexdigest()
    assert sha in receipt.text
    stored = world.tmp / "evidence" / sha[:2] / sha[2:4] / sha
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    [row] = world.evidence()
    assert row.submitted_by == "supplier:compliance@example.com"
    with read_session(get_engine(world.url)) as s:
        assert s.get(Obligation, oid).status == "submitted"  # type: ignore[union-attr]
        actors = set(s.scalars(select(col(AuditEvent.actor))).all())
        trail = " ".join(str(e.before) + str(e.after) for e in s.scalars(select(AuditEvent)))
        [use] = s.scalars(select(PortalUse)).all()
    assert "supplier:compliance@example.com" in actors
    assert token not in trail
    assert (use.ip, use.action) == ("192.0.2.7", "upload")
    receipts = [m for m in world.outbox() if m.kind == "portal_receipt"]
    assert len(receipts) == 1
    mailed = email.message_from_bytes(receipts[0].raw).get_payload(decode=True)
    assert isinstance(mailed, bytes)
    assert sha.encode() in mailed
    # Both tell the time on the contract's clock, as the contact's language writes it.
    assert re.search(r"on March 5, 2027 10:00\W+AM \(Europe/Berlin\):", mailed.decode())
    assert re.search(r"March 5, 2027 10:00\W+AM \(Europe/Berlin\)", receipt.text)
    page = c.get(f"/s/{token}").text
    assert "cert.pdf" in page
    assert "submitted" in page


@pytest.mark.parametrize("problem", ["no declaration", "no form token", "wrong format"])
def test_a_refused_upload_stores_nothing(world: World, problem: str) -> None:
    token = link_from_email(world)
    c = client(world)
    oid = world.obligation("C-1", "certificate")
    if problem == "no declaration":
        response = post_upload(c, token, oid, declared=False)
        assert response.status_code == 400
        assert "true and complete" in response.text
    elif problem == "no form token":
        response = post_upload(c, token, oid, csrf="forged")
        assert response.status_code == 403
    else:
        page = c.get(f"/s/{token}").text
        response = c.post(
            f"/s/{token}/obligations/{oid}/evidence",
            data={"csrf_token": csrf_of(page), "evidence_type": "certificate",
                  "fields.certificate_number": "1", "declaration": "yes"},
            files={"file": ("cert.pdf", b"MZ not a pdf at all", "application/pdf")},
        )  # fmt: skip
        assert response.status_code == 400
    assert world.evidence() == []
    assert "Traceback" not in response.text


def test_a_token_for_one_contract_never_reaches_another(world: World) -> None:
    token = link_from_email(world)
    c = client(world)
    other = world.obligation("C-2", "certificate")
    response = post_upload(c, token, other)
    assert response.status_code == 400
    assert "no such obligation" in response.text
    assert world.evidence() == []
    # The other contract's evidence has no receipt through this link either.
    world.cli.ok(
        "evidence", "add", str(other), str(world.tmp / "x.pdf"), "--type", "certificate",
        "--field", "certificate_number=9", "--now", SWEEP_AT,
    ) if (world.tmp / "x.pdf").write_bytes(PDF) else None  # fmt: skip
    [row] = world.evidence()
    assert c.get(f"/s/{token}/receipts/{row.id}").status_code == 404
    assert "Notebooks C-2" not in c.get(f"/s/{token}").text


def test_expired_revoked_and_tampered_links_get_their_page(world: World) -> None:
    token = link_from_email(world)
    c = client(world)
    tampered = c.get(f"/s/{token[:-2]}xx")
    assert tampered.status_code == 404
    assert "does not work" in tampered.text
    assert "C-1" not in tampered.text
    with read_session(get_engine(world.url)) as s:
        link = s.scalars(
            select(PortalLink).where(col(PortalLink.token_sha256) == digest(token))
        ).one()
    world.clock.now = link.expires_at + timedelta(minutes=1)
    expired = client(world).get(f"/s/{token}")
    assert expired.status_code == 410
    assert "expired" in expired.text
    assert "Send the facility certificate" not in expired.text
    world.clock.now = link.expires_at - timedelta(days=1)
    world.cli.ok("portal", "revoke", str(link.id))
    revoked = client(world).get(f"/s/{token}")
    assert revoked.status_code == 410
    assert "no longer works" in revoked.text
    assert "Email me a new link" in revoked.text
    # The button emails a fresh link to the same address only.
    asked = client(world).post(f"/s/{token}/new-link", data={"csrf_token": csrf_of(revoked.text)})
    assert asked.status_code == 200
    [new] = [m for m in world.outbox() if m.kind == "portal_link"]
    assert new.recipients == ["compliance@example.com"]
    assert new.raw.startswith(b"X-Tracker-Portal-Link: until=")  # the relay adds the link
    world.cli.ok("relay", "--now", world.clock.now.isoformat())
    fresh = [t for t in links_in(world) if t != token]
    assert fresh
    assert client(world).get(f"/s/{fresh[-1]}").status_code == 200


def test_removing_a_contact_revokes_their_links(world: World) -> None:
    token = link_from_email(world)
    world.cli.ok(
        "supplier", "contact", "add", "1", "--email", "second@example.com", "--role", "compliance"
    )
    with read_session(get_engine(world.url)) as s:
        contact_id = s.scalars(
            select(col(SupplierContact.id)).where(
                col(SupplierContact.email) == "compliance@example.com"
            )
        ).first()
    world.cli.ok("supplier", "contact", "remove", str(contact_id))
    page = client(world).get(f"/s/{token}")
    assert page.status_code == 410
    assert "Email me a new link" not in page.text


def test_a_rejection_shows_reason_and_new_deadline(world: World) -> None:
    token = link_from_email(world)
    c = client(world)
    oid = world.obligation("C-1", "certificate")
    assert post_upload(c, token, oid).status_code == 303
    [row] = world.evidence()
    world.cli.ok(
        "evidence", "review", str(row.id), "--reject", "--reason", "The certificate has expired",
        "--resubmit-by", "2027-04-30", "--now", SWEEP_AT,
    )  # fmt: skip
    page = c.get(f"/s/{token}").text
    assert "The certificate has expired" in page
    assert "2027-04-30" in page
    assert "rejected" in page
    # The rejection notice to the supplier carries the same live link.
    world.cli.ok("sweep", "--now", "2027-03-05T11:00:00+01:00")
    world.cli.ok("relay", "--now", "2027-03-05T11:00:00+01:00")
    notices = [body(m) for m in sent_mail(world) if "expired" in body(m)]
    assert notices
    assert f"/s/{token}" in notices[-1]


def test_uploads_per_obligation_and_link_requests_are_limited(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.portal.submit.UPLOADS_PER_OBLIGATION_DAY", 2)
    token = link_from_email(world)
    c = client(world)
    oid = world.obligation("C-1", "certificate")
    assert post_upload(c, token, oid).status_code == 303
    assert post_upload(c, token, oid).status_code == 303
    third = post_upload(c, token, oid)
    assert third.status_code == 429
    assert "Try again tomorrow" in third.text
    assert len(world.evidence()) == 2
    world.cli.ok("portal", "revoke", "1")
    refused = c.get(f"/s/{token}")
    asked = [
        c.post(f"/s/{token}/new-link", data={"csrf_token": csrf_of(refused.text)}) for _ in range(4)
    ]
    assert [r.status_code for r in asked] == [200, 200, 200, 429]
    assert len([m for m in world.outbox() if m.kind == "portal_link"]) == 3


def test_every_portal_route_refuses_a_token_of_another_contract(world: World) -> None:
    """Each route under /s/ is listed here; a new one fails this test until it is."""
    from tracker.web.portal.routes import router

    token = link_from_email(world)
    other = world.obligation("C-2", "certificate")
    x = world.tmp / "x.pdf"
    x.write_bytes(PDF)
    world.cli.ok(
        "evidence", "add", str(other), str(x), "--type", "certificate",
        "--field", "certificate_number=9", "--now", SWEEP_AT,
    )  # fmt: skip
    [theirs] = world.evidence()
    c = client(world)
    csrf = csrf_of(c.get(f"/s/{token}").text)
    checked: dict[tuple[str, str], Callable[[], bool]] = {
        ("GET", "/s/{token}"): lambda: "Notebooks C-2" not in c.get(f"/s/{token}").text,
        ("POST", "/s/{token}/obligations/{obligation_id}/evidence"): lambda: (
            post_upload(c, token, other).status_code == 400
        ),
        ("GET", "/s/{token}/receipts/{evidence_id}"): lambda: (
            c.get(f"/s/{token}/receipts/{theirs.id}").status_code == 404
        ),
        # A live link asks for nothing: the new-link route only answers expired ones.
        ("POST", "/s/{token}/new-link"): lambda: (
            c.post(f"/s/{token}/new-link", data={"csrf_token": csrf}).status_code == 303
        ),
    }
    routes = {
        (m, r.path) for r in router.routes if isinstance(r, APIRoute) for m in r.methods or ()
    }
    assert routes == set(checked)
    for route, check in checked.items():
        assert check(), route
    assert len(world.evidence()) == 1
    assert not [m for m in world.outbox() if m.kind == "portal_link"]


def test_an_upload_past_the_limit_is_refused_while_streaming(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_EVIDENCE_MAX_BYTES", str(1024 * 1024))
    token = link_from_email(world)
    c = client(world)
    oid = world.obligation("C-1", "certificate")
    csrf = csrf_of(c.get(f"/s/{token}").text)
    boundary = "b0undary"

    def chunks() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        for _ in range(40):  # 40 MiB, chunked: no Content-Length to check
            yield b"x" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = c.post(
        f"/s/{token}/obligations/{oid}/evidence",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert "too large" in response.text
    assert world.evidence() == []


def test_a_swedish_contact_reads_swedish(world: World) -> None:
    token = link_from_email(world)
    assert world.cli("portal", "language", "1", "xx").code == 2
    world.cli.ok("portal", "language", "1", "sv")
    page = client(world).get(f"/s/{token}")
    assert '<html lang="sv">' in page.text
    assert "Avtal C-1" in page.text
    assert "Det här ber vi dig om" in page.text


def test_the_managers_digest_counts_submissions_waiting(world: World) -> None:
    token = link_from_email(world)
    c = client(world)
    assert post_upload(c, token, world.obligation("C-1", "certificate")).status_code == 303
    later = "2027-04-08T10:00:00+02:00"
    world.cli.ok("sweep", "--now", later)
    world.cli.ok("relay", "--now", later)
    digests = [
        body(m)
        for m in sent_mail(world)
        if "manager@example.com" in str(m["To"]) and "digest" in str(m["Subject"])
    ]
    assert digests, "the manager got no digest"
    assert "1 submission waiting for review" in digests[-1]
