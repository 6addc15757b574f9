"""A viewer in a real browser (Debian's chromium) against a real `tracker serve`: restricted
evidence (a factory list) shows as `[restricted]`, with no file name, content or link, where
the contract's manager sees the file name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving
from tests.web.world import PASSWORD, SECRET, build, email_of

pytestmark = needs_chromium

FILE = "factories-C-1.csv"


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


def test_viewer_cannot_see_restricted_evidence(site: str) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    def open_factory_list(page: Page, role: str) -> None:
        page.goto(f"{site}/contracts/C-1")
        page.get_by_label("Email address").fill(email_of(role))
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("region", name="Obligations").get_by_role(
            "link", name="Disclose the factory list"
        ).click()
        expect(page.get_by_role("heading", name="Evidence submitted")).to_be_visible()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            manager = browser.new_context().new_page()
            open_factory_list(manager, "manager")
            submitted = manager.get_by_role("region", name="Evidence submitted")
            expect(submitted.get_by_text(FILE)).to_be_visible()

            viewer = browser.new_context().new_page()
            open_factory_list(viewer, "viewer")
            submitted = viewer.get_by_role("region", name="Evidence submitted")
            file_row = submitted.locator(".summary-row", has_text="File or link")
            expect(file_row.get_by_role("definition")).to_have_text("[restricted] (38 bytes)")
            expect(
                submitted.get_by_role("definition").filter(has_text="[restricted]")
            ).to_have_count(
                2  # the file and its one field (site_count)
            )
            expect(submitted.get_by_role("link")).to_have_count(0)
            expect(viewer.get_by_text(FILE)).to_have_count(0)
            assert SECRET not in viewer.content()
            # Nor on the contract page's evidence table.
            viewer.get_by_role("link", name="C-1", exact=True).first.click()
            evidence = viewer.get_by_role("region", name="Evidence")
            expect(evidence.get_by_role("cell", name="[restricted]").first).to_be_visible()
            expect(viewer.get_by_text(FILE)).to_have_count(0)
            # A viewer may not act on the contract: the page says so.
            response = viewer.goto(f"{site}/contracts/C-1/attach")
            assert response is not None
            assert response.status == 403
        finally:
            browser.close()
