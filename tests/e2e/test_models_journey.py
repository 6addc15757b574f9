"""A contract manager in a real browser adds a product model on the contract page (of a
contract whose OCDS reference holds slashes), sees its certificate obligation, retires it.

With TRACKER_SCREENSHOTS=<folder>, the contract page with three models (valid, expiring,
missing) is also shot at desktop and phone width, to look at by eye."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving
from tests.web.models_world import attach_model_clause, three_models
from tests.web.world import PASSWORD, World, build, email_of

pytestmark = needs_chromium

OCDS = "ocds-abc/2026/17"
SHOWN = "E-1"


@pytest.fixture
def site(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    # The server runs on the real clock: these contracts run around the real today.
    world: World = build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch)
    now = datetime.now(ZoneInfo("Europe/Berlin"))
    for reference in (OCDS, SHOWN):
        world.cli.ok(
            "contract", "add", reference, "--supplier", "1", "--title", "Notebooks",
            "--start", (now.date() - timedelta(days=30)).isoformat(),
            "--end", (now.date() + timedelta(days=1100)).isoformat(),
            "--timezone", "Europe/Berlin", "--manager", email_of("manager"),
        )  # fmt: skip
    attach_model_clause(world, OCDS, now=now.isoformat())
    three_models(world, SHOWN, today=now.date(), now=now.isoformat())
    with serving(tmp_path) as base:
        yield base


def test_manager_adds_a_model_sees_its_certificate_duty_and_retires_it(site: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{site}/sign-in")
            page.get_by_label("Email address").fill(email_of("manager"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Contracts"
            ).click()
            page.get_by_role("link", name=OCDS, exact=True).click()
            expect(page).to_have_title(re.compile(f"^Contract {OCDS}"))
            expect(
                page.get_by_text("No product model is recorded for this contract.")
            ).to_be_visible()

            page.get_by_label("Manufacturer").fill("Example")
            page.get_by_label("Model name or number").fill("ZBook 14")
            page.get_by_label("Product type").fill("notebook")
            today = datetime.now(ZoneInfo("Europe/Berlin")).date()
            first = (today + timedelta(days=20)).isoformat()
            page.get_by_label("First delivery").fill("2035-05-01")  # after the contract
            page.get_by_role("button", name="Add model").click()
            expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
            expect(page.get_by_text("is outside the contract").first).to_be_visible()
            expect(page.get_by_label("Model name or number")).to_have_value("ZBook 14")
            page.get_by_label("First delivery").fill(first)
            page.get_by_role("button", name="Add model").click()

            expect(page.get_by_role("status").first).to_have_text(re.compile("Product model added"))
            planned = page.locator("#planned")
            expect(planned).to_contain_text("Planned for Example ZBook 14")
            expect(
                planned.get_by_role("link", name="Certificate before the first delivery")
            ).to_be_visible()
            row = page.get_by_role("row", name=re.compile("Example ZBook 14"))
            expect(row).to_contain_text("Certificate before the first delivery")
            expect(row).to_contain_text(first)
            expect(row.get_by_text("Missing", exact=True)).to_be_visible()

            row.get_by_role("link", name="Retire Example ZBook 14").click()
            expect(
                page.get_by_role("heading", name=re.compile("Retire Example ZBook 14"))
            ).to_be_visible()
            page.get_by_role("button", name="Retire this model").click()  # no reason yet
            expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
            page.get_by_label("Why is it no longer delivered?").fill("Replaced by the ZBook 16")
            page.get_by_role("button", name="Retire this model").click()
            expect(page.get_by_role("status").first).to_have_text(
                re.compile("Product model retired")
            )
            row = page.get_by_role("row", name=re.compile("Example ZBook 14"))
            expect(row).to_contain_text(f"Retired on {today.isoformat()}")
            expect(row.get_by_text("Retired", exact=True)).to_be_visible()
            expect(row.get_by_role("link", name=re.compile("^Retire"))).to_have_count(0)

            page.goto(f"{site}/contracts/{SHOWN}")
            models = page.get_by_role("region", name="Product models")
            expect(models).to_contain_text("1 lacks a valid certificate")
            for name, status in (("ProBook 440", "Valid"), ("ProBook 450", "Expiring"),
                                 ("EliteBook 840", "Missing")):  # fmt: skip
                row = models.get_by_role("row", name=re.compile(f"Example {name}"))
                expect(row.get_by_text(status, exact=True)).to_be_visible()
            shots = os.environ.get("TRACKER_SCREENSHOTS")
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                for label, width in (("desktop", 1280), ("phone", 390)):
                    page.set_viewport_size({"width": width, "height": 900})
                    page.goto(f"{site}/contracts/{SHOWN}#models")
                    page.screenshot(path=f"{shots}/{label}-contract-models.png", full_page=True)
        finally:
            browser.close()
