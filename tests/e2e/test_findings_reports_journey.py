"""Findings and reports in a real browser (Debian's chromium) against a real `tracker serve`:
a contract manager records a finding on an obligation and finds it in the findings list,
then produces a report on that contract (PDF, then CSV) and downloads each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving, shoot
from tests.web.world import PASSWORD, build, email_of

pytestmark = needs_chromium

FOUND = "The factory list leaves out the final assembly site in Dongguan"


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


def test_manager_records_a_finding_and_downloads_reports(site: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(accept_downloads=True)
            page.goto(f"{site}/contracts/C-1")
            page.get_by_label("Email address").fill(email_of("manager"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_title(re.compile("^Contract C-1"))

            # A finding on an obligation.
            page.get_by_role("link", name="Disclose the factory list").click()
            page.get_by_role("link", name="Record a finding on this obligation").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                re.compile("Record a finding on “Disclose the factory list”")
            )
            page.get_by_label("What was found").fill(FOUND)
            page.get_by_label("Severity").select_option(label="Major")
            page.get_by_label("Plan due on").fill("2027-05-31")
            page.get_by_role("button", name="Record finding").click()
            expect(page.get_by_role("status")).to_have_text(re.compile("Finding recorded"))
            expect(page.get_by_role("heading", level=1)).to_have_text(
                re.compile(f"Finding \\d+ on C-1.*{FOUND}")
            )
            expect(page.get_by_text("2027-05-31").first).to_be_visible()
            shoot(page, "finding")

            # In the findings list, with its contract.
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Findings").click()
            row = page.get_by_role("row").filter(has=page.get_by_role("link", name=FOUND))
            expect(row).to_have_count(1)
            expect(row.get_by_role("cell").nth(1)).to_contain_text("C-1")
            expect(row.get_by_role("cell").nth(2)).to_have_text("Major")
            expect(row).to_contain_text("Due 2027-05-31")

            # A report on that contract, as PDF then as CSV, each downloaded.
            nav.get_by_role("link", name="Reports").click()
            expect(page.get_by_text("No report has been produced yet.")).to_be_visible()
            downloaded: dict[str, bytes] = {}
            produce = page.get_by_role("region", name="Produce a report")
            for fmt in ("PDF", "CSV"):
                produce.get_by_label("Or one contract").fill("C-1")
                produce.get_by_label("Period", exact=True).fill("2027-Q1")
                produce.get_by_label("Format").select_option(label=fmt)
                produce.get_by_role("button", name="Produce report").click()
                expect(page.get_by_role("status")).to_have_text(re.compile("Report produced"))
                run = page.locator("tr.highlight")
                expect(run.get_by_role("cell").nth(1)).to_have_text("contract:C-1")
                expect(run.get_by_role("cell").nth(2)).to_have_text("2027-Q1")
                with page.expect_download() as info:
                    run.get_by_role("link", name=re.compile(f"^Download {fmt}")).click()
                download = info.value
                assert download.suggested_filename == (
                    f"compliance-report_contract-C-1_2027-Q1.{fmt.lower()}"
                )
                path = download.path()
                downloaded[fmt] = Path(path).read_bytes()
            shoot(page, "reports")
            assert downloaded["PDF"].startswith(b"%PDF-")
            assert b"%%EOF" in downloaded["PDF"][-1024:]
            text = downloaded["CSV"].decode("utf-8-sig")
            lines = text.splitlines()
            assert lines[0] == "table,row,measure,value"
            assert any("C-1" in line for line in lines[1:]), text[:2000]
        finally:
            browser.close()
