"""Setting up a contract in a real browser (Debian's chromium) against a real `tracker serve`:
a contract manager adds a supplier, adds a contract for it (first with the end before the
start, refused next to the field), attaches a clause through the form generated from its
parameters, checks the dates it will plan and sees its obligations on the contract page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving, shoot
from tests.factories import FOUR_YEAR_BODY, HEADER
from tests.web.world import PASSWORD, build, email_of

pytestmark = needs_chromium


@pytest.fixture
def site(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch)
    # A clause with a parameter: production sites disclosed `disclosure_period` business
    # days after the start (20 by default).
    (tmp_path / "clauses" / "sites-clause.yaml").write_text(
        HEADER.format(id="sites-clause") + FOUR_YEAR_BODY, encoding="utf-8"
    )
    with serving(tmp_path) as base:
        yield base


def test_manager_adds_supplier_contract_and_clause(site: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{site}/sign-in")
            page.get_by_label("Email address").fill(email_of("manager"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            nav = page.get_by_role("navigation", name="Main")

            # A supplier, through the supplier form.
            nav.get_by_role("link", name="Suppliers").click()
            expect(page.get_by_role("heading", name="Add a supplier")).to_be_visible()
            form = page.locator("form", has=page.get_by_role("button", name="Add supplier"))
            form.get_by_label("Name", exact=True).fill("Nordic Screens AB")
            form.get_by_label("Compliance contact's email").fill("ethics@nordic.example.com")
            form.get_by_label("Contact's name").fill("Saga Lind")
            form.get_by_label("Country").fill("SE")
            shoot(page, "supplier-form")
            form.get_by_role("button", name="Add supplier").click()
            expect(page.get_by_role("status")).to_have_text(re.compile("Supplier added"))
            expect(page.get_by_role("heading", name="Nordic Screens AB")).to_be_visible()
            expect(page.get_by_text("ethics@nordic.example.com").first).to_be_visible()

            # A contract for it; first with the end before the start.
            nav.get_by_role("link", name="Contracts").click()
            page.get_by_role("link", name="Add a contract").click()
            expect(page.get_by_role("heading", name="Add a contract")).to_be_visible()
            page.get_by_label("Reference").fill("RA-2027-017")
            page.get_by_label("Title", exact=True).fill("Computer screens")
            page.get_by_label("Supplier", exact=True).select_option(label="Nordic Screens AB")
            page.get_by_label("Starts on").fill("2027-04-01")
            page.get_by_label("Ends on").fill("2026-03-31")
            page.get_by_role("button", name="Add contract").click()
            expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
            ends = page.get_by_role("textbox", name="Ends on")
            # The message is next to the field (it describes it), and what was typed stays.
            expect(ends).to_have_accessible_description(
                re.compile("2026-03-31 is before the start date 2027-04-01")
            )
            expect(ends).to_have_value("2026-03-31")
            expect(page.get_by_label("Title", exact=True)).to_have_value("Computer screens")
            expect(page.get_by_label("Supplier", exact=True)).to_have_value(
                re.compile(r"^\d+$")  # still chosen, not back to the first supplier
            )
            expect(
                page.get_by_label("Supplier", exact=True).locator("option:checked")
            ).to_have_text("Nordic Screens AB")
            # Said twice, not three times: in the summary (a link) and next to the field.
            said = page.get_by_text("2026-03-31 is before the start date 2027-04-01")
            expect(said).to_have_count(2)
            expect(
                page.get_by_role("alert").get_by_role(
                    "link", name=re.compile("2026-03-31 is before the start date")
                )
            ).to_be_visible()
            shoot(page, "contract-form-error")
            ends.fill("2031-03-31")
            page.get_by_role("button", name="Add contract").click()
            expect(page.get_by_role("status")).to_have_text(re.compile("Contract added"))
            expect(page).to_have_title(re.compile("^Contract RA-2027-017"))
            expect(page.get_by_text("No clause is attached yet.")).to_be_visible()

            # A clause, through the form generated from its parameters.
            page.get_by_role("link", name="Attach a clause").click()
            page.get_by_label("Clause", exact=True).select_option("sites-clause")
            page.get_by_role("button", name="Continue").click()
            period = page.get_by_label("Disclosure period")
            expect(period).to_have_accessible_description(re.compile("Default P20D"))
            period.fill("P10D")
            page.get_by_role("button", name="Continue").click()

            # Check your answers: nothing saved yet, the dates that follow from P10D.
            expect(page.get_by_role("heading", level=1)).to_have_text(
                re.compile("Check the dates before attaching sites-clause")
            )
            expect(page.get_by_text("Nothing is saved yet")).to_be_visible()
            expect(page.get_by_role("definition").filter(has_text="set by you")).to_have_text(
                "10 business days (set by you)"
            )
            disclose = page.locator(".summary-row", has_text="Disclose production sites")
            # Ten business days after Thursday 2027-04-01 (twenty would be 2027-04-29).
            expect(disclose.locator("time")).to_have_text("2027-04-15")
            exit_plan = page.locator(".summary-row", has_text="Exit and take-back plan")
            expect(exit_plan.locator("time")).to_have_text("2030-12-31")  # 90 days before
            shoot(page, "attach-preview")
            page.get_by_role("button", name="Attach clause and plan these dates").click()

            expect(page.get_by_role("status")).to_have_text(re.compile("Clause attached"))
            clauses = page.get_by_role("region", name="Clauses")
            expect(clauses.get_by_role("listitem")).to_contain_text(["sites-clause"])
            obligations = page.get_by_role("region", name="Obligations")
            disclosure = obligations.get_by_role("listitem").filter(
                has=page.get_by_role("link", name="Disclose production sites")
            )
            expect(disclosure.locator("time")).to_have_text("2027-04-15")
            expect(disclosure).to_contain_text("Upcoming")
            # Beyond the planning horizon: on the timeline, planned later.
            exit_item = obligations.get_by_role("listitem").filter(
                has_text="Exit and take-back plan"
            )
            expect(exit_item.locator("time")).to_have_text("2030-12-31")
            expect(exit_item).to_contain_text("Not yet planned")
            expect(
                obligations.get_by_role("listitem").filter(has_text="Annual social audit")
            ).to_have_count(3)
            shoot(page, "contract-with-obligations")
        finally:
            browser.close()
