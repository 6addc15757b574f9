"""A contract manager in a real browser (Debian's chromium) against a real `tracker serve`:
sign in, open a contract, upload evidence, accept it, reject another with a reason and see
the supplier's email in the outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving
from tests.web.world import PASSWORD, PDF, SUPPLIER, build, email_of

pytestmark = needs_chromium


@pytest.fixture
def site(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch)
    with serving(tmp_path) as base:
        yield base


def test_manager_uploads_accepts_and_rejects(site: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{site}/contracts/C-1")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            page.get_by_label("Email address").fill(email_of("manager"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            # Back where the manager was going.
            expect(page).to_have_title(re.compile("^Contract C-1"))

            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Contracts").click()
            page.get_by_label("Search").fill("C-1")
            page.get_by_role("button", name="Apply").click()
            expect(page.get_by_text("1 contract", exact=True)).to_be_visible()
            page.get_by_role("link", name="C-1", exact=True).click()
            expect(page.get_by_role("heading", name="Obligations")).to_be_visible()

            page.get_by_role("link", name="Send the facility certificate").click()
            page.get_by_text("Upload facility certificate").click()
            page.get_by_label("File").set_input_files(str(certificate))
            page.get_by_label("Certificate number").fill("CERT-2027-01")
            page.get_by_role("button", name="Upload evidence").click()
            expect(page.get_by_role("status")).to_have_text(re.compile("Evidence uploaded"))
            expect(page.get_by_text("CERT-2027-01")).to_be_visible()

            page.get_by_role("radio", name="Accept").check()
            page.get_by_role("button", name="Record decision").click()
            expect(page.get_by_role("status")).to_have_text(re.compile("Evidence accepted"))
            expect(page.get_by_text("Accepted").first).to_be_visible()

            page.get_by_role("link", name="C-1", exact=True).first.click()
            page.get_by_role("link", name="Disclose the factory list").click()
            page.get_by_role("radio", name="Reject").check()
            page.get_by_role("button", name="Record decision").click()
            # A rejection without a reason is refused, next to the field and on top.
            expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
            page.get_by_role("radio", name="Reject").check()
            page.get_by_role("textbox", name="Reason").fill(
                "The list misses the final assembly site"
            )
            page.get_by_role("button", name="Record decision").click()
            expect(page.get_by_role("status")).to_have_text(re.compile("Evidence rejected"))

            # The worker inside `tracker serve` composes the notice; the outbox shows it.
            nav.get_by_role("link", name="Outbox").click()
            for _ in range(40):
                if page.get_by_text(SUPPLIER).count():
                    break
                page.wait_for_timeout(500)
                page.reload()
            expect(page.get_by_text(SUPPLIER).first).to_be_visible()

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_text("You are signed out")).to_be_visible()
        finally:
            browser.close()
