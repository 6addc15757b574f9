"""A contract manager in a real browser against a real `tracker serve`: imports an OCDS file
(check, then confirm), creates a calendar feed, and a calendar app fetches it; the server's
access log never shows the feed's token."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving
from tests.web.world import PASSWORD, build, email_of

pytestmark = needs_chromium

PACKAGE = Path(__file__).parent.parent / "fixtures" / "ocds" / "notebooks-release-package.json"


@pytest.fixture
def site(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch, evidence=False)
    with serving(tmp_path) as base:
        yield base


def test_manager_imports_a_file_and_subscribes_to_a_feed(site: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{site}/contracts")
            page.get_by_label("Email address").fill(email_of("manager"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()

            page.get_by_role("link", name="Import contracts from a file").click()
            expect(page.get_by_role("heading", name="Import contracts", exact=True)).to_be_visible()
            page.get_by_label("File", exact=True).set_input_files(str(PACKAGE))
            page.get_by_label("Contract manager").fill(email_of("manager"))
            page.get_by_role("button", name="Check the file").click()
            expect(page.get_by_text("nothing is written until you confirm")).to_be_visible()
            expect(page.get_by_role("cell", name="would create")).to_be_visible()
            page.get_by_role("button", name="Confirm the import").click()
            expect(
                page.get_by_role("heading", name="notebooks-release-package.json was imported")
            ).to_be_visible()
            expect(page.get_by_role("cell", name="created", exact=True)).to_be_visible()

            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Calendar feeds").click()
            page.get_by_label("What the feed covers").select_option("mine")
            page.get_by_role("button", name="Create feed").click()
            address = page.get_by_label("Feed address").input_value()
        finally:
            browser.close()

    # The address is on TRACKER_BASE_URL (the default here); this server listens elsewhere.
    found = re.fullmatch(r"http://localhost:8000(/ics/[A-Za-z0-9_-]{43}\.ics)", address)
    assert found is not None, address
    with urllib.request.urlopen(site + found.group(1), timeout=10) as response:  # calendar app
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(response.read())
    summaries = {str(e.summary) for e in calendar.events}
    assert "C-1: Send the facility certificate" in summaries
    assert not any(s.startswith("C-2:") for s in summaries)  # someone else's contract

    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "/ics/[feed]" in log
    assert token not in log
