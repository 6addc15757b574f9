"""A supplier in a real browser against a real `tracker serve`: follow the link in the
reminder email written to the outbox folder, upload, get a receipt; the manager accepts in
the web app; the supplier's page then says "accepted". And a 200 MB upload is refused
without the server's memory growing past the limit; tokens never reach the access log."""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import httpx
import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving
from tests.web.world import PASSWORD, PDF, World, build, email_of

pytestmark = needs_chromium

SWEEP_AT = "2027-03-05T10:00:00+01:00"
LINK = re.compile(r"(http://localhost:8000/s/[A-Za-z0-9_-]{20,})")
MB = 1024 * 1024


@pytest.fixture
def world(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    monkeypatch.setenv("TRACKER_OUTBOX_DIR", str(tmp_path / "sent"))
    world = build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch, evidence=False)
    world.cli.ok("sweep", "--now", SWEEP_AT)
    world.cli.ok("relay", "--now", SWEEP_AT)
    return world


def mails(folder: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return found


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in_outbox(world: World) -> str:
    for msg in mails(world.tmp / "sent"):
        match = LINK.search(text_of(msg))
        if match and "[C-1]" in str(msg["Subject"]):
            return match.group(1)
    raise AssertionError("no reminder to the supplier carried a portal link")


@pytest.fixture
def site(world: World) -> Iterator[str]:
    with serving(world.tmp) as base:
        yield base


def test_supplier_uploads_through_the_link_and_sees_it_accepted(world: World, site: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    link = link_in_outbox(world).replace("http://localhost:8000", site)
    certificate = world.tmp / "certificate.pdf"
    certificate.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            supplier = browser.new_page()
            supplier.goto(link)
            expect(supplier.get_by_role("heading", name="Contract C-1")).to_be_visible()
            form = supplier.locator("form", has_text="Send: Facility certificate").first
            form.get_by_label("File").set_input_files(str(certificate))
            form.get_by_label("certificate number (required)").fill("CERT-2027-01")
            form.get_by_label("I declare that what I send is true and complete.").check()
            form.get_by_role("button", name="Send").click()
            expect(supplier.get_by_role("heading", name="Receipt")).to_be_visible()
            sha = hashlib.sha256(PDF).hexdigest()
            expect(supplier.get_by_text(sha)).to_be_visible()

            manager = browser.new_context().new_page()
            manager.goto(f"{site}/sign-in")
            manager.get_by_label("Email address").fill(email_of("manager"))
            manager.get_by_label("Password").fill(PASSWORD)
            manager.get_by_role("button", name="Sign in").click()
            manager.goto(f"{site}/obligations/{world.obligation('C-1', 'certificate')}")
            expect(manager.get_by_text("CERT-2027-01")).to_be_visible()
            manager.get_by_role("radio", name="Accept").check()
            manager.get_by_role("button", name="Record decision").click()
            expect(manager.get_by_role("status")).to_have_text(re.compile("Evidence accepted"))

            supplier.goto(link)
            section = supplier.get_by_role("region", name="Send the facility certificate")
            expect(section.get_by_text("accepted").first).to_be_visible()
        finally:
            browser.close()
    # The receipt email, sent by the worker inside `tracker serve`, names the same hash.
    receipts: list[str] = []
    for _ in range(40):
        receipts = [text_of(m) for m in mails(world.tmp / "sent") if "Receipt" in str(m["Subject"])]
        if receipts:
            break
        import time

        time.sleep(0.5)
    assert receipts
    assert hashlib.sha256(PDF).hexdigest() in receipts[0]
    token = link.rsplit("/", 1)[1]
    log = (world.tmp / "serve.log").read_text()
    assert "/s/[link]" in log
    assert token not in log


def _server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in args and port.encode() in args:
            return int(proc.name)
    raise AssertionError("the server process was not found")


def _rss_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_200_mb_upload_is_refused_without_the_server_holding_it(world: World, site: str) -> None:
    link = link_in_outbox(world).replace("http://localhost:8000", site)
    token = link.rsplit("/", 1)[1]
    oid = world.obligation("C-1", "certificate")
    page = httpx.get(link).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    pid = _server_pid(site)
    before = _rss_peak_kb(pid)
    boundary = "portal-boundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf.group(1)}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        chunk = b"x" * MB
        for _ in range(200):
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    status: int | None = None
    try:
        response = httpx.post(
            f"{site}/s/{token}/obligations/{oid}/evidence",
            content=body(),  # chunked: no Content-Length for the server to trust
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            timeout=120,
        )
        status = response.status_code
        assert "too large" in response.text
    except httpx.TransportError:
        pass  # the server may close the connection once it has answered
    assert status in (413, None)
    grown_mb = (_rss_peak_kb(pid) - before) / 1024
    # The limit is 50 MB (TRACKER_EVIDENCE_MAX_BYTES default); the body is never held.
    assert grown_mb < 50, f"the server's peak memory grew by {grown_mb:.0f} MB"
    assert world.evidence() == []
    assert httpx.get(link).status_code == 200  # the server is still serving
