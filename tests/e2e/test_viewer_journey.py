"""A viewer in a real browser (Debian's chromium) against a real `tracker serve`: restricted
evidence (a factory list) shows as `[restricted]`, with no file name, content or link, where
the contract's manager sees the file name and downloads the file; its address refuses the
viewer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving, shoot
from tests.web.world import PASSWORD, SECRET, World, build, email_of

pytestmark = needs_chromium

FILE = "factories-C-1.csv"


@pytest.fixture
def site(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[str, World]]:
    world = build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch)
    with serving(tmp_path) as base:
        yield base, world


def test_viewer_cannot_see_restricted_evidence(site: tuple[str, World]) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    base, world = site

    def open_factory_list(page: Page, role: str) -> None:
        page.goto(f"{base}/contracts/C-1")
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
            shoot(manager, "evidence-download-manager")
            # The contract's manager downloads the factory list: the bytes they uploaded.
            with manager.expect_download() as started:
                submitted.get_by_role("link", name=FILE).click()
            download = started.value
            assert download.suggested_filename == FILE
            saved = Path(download.path())
            assert saved.read_bytes() == (world.tmp / FILE).read_bytes()
            file_url = submitted.get_by_role("link", name=FILE).get_attribute("href")
            assert file_url is not None

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
            response = viewer.goto(f"{base}/contracts/C-1/attach")
            assert response is not None
            assert response.status == 403
            # Nor have the file by typing its address.
            response = viewer.goto(f"{base}{file_url}")
            assert response is not None
            assert response.status == 403
            expect(viewer.get_by_role("heading", name="You cannot do this")).to_be_visible()
            assert SECRET not in viewer.content()
            shoot(viewer, "evidence-download-viewer-refused")
        finally:
            browser.close()
