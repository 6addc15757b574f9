"""Screenshots of every page, desktop (1280) and phone (390) wide, to look at by eye.

    python -m tests.e2e.screenshots BASE_URL EMAIL PASSWORD [OUT_DIR]

against a running `tracker serve` (e.g. on the demo portfolio)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.e2e.server import CHROMIUM


def pages(page: Page, base: str) -> list[tuple[str, str]]:
    """(name, path) of each page to shoot, found by following links as a person would."""
    page.goto(f"{base}/contracts")
    contract = page.get_by_role("main").locator("td a").first.get_attribute("href") or ""
    page.goto(f"{base}{contract}")
    links = [
        a.get_attribute("href") or "" for a in page.get_by_role("main").get_by_role("link").all()
    ]
    obligations = [h for h in links if re.match(r"^/obligations/\d+$", h)]
    page.goto(f"{base}/library")
    clause = page.get_by_role("main").get_by_role("link").first.get_attribute("href") or ""
    page.goto(f"{base}/suppliers")
    supplier = page.get_by_role("main").locator("td a").first.get_attribute("href") or ""
    page.goto(f"{base}/findings")
    found = page.get_by_role("main").locator("a[href^='/findings/']").all()
    finding = [("finding", found[0].get_attribute("href") or "")] if found else []
    unattached = re.findall(r'value="([^"]+)"', _attach_page(page, base, contract))
    check = (
        [("attach-check", f"{contract}/attach/check?clause={unattached[0]}")] if unattached else []
    )
    return [
        ("dashboard", "/"),
        ("contracts", "/contracts"),
        ("contracts-search", "/contracts?q=monitor"),
        ("contract", contract),
        ("obligation", obligations[0]),
        ("obligation-later", obligations[-1]),
        ("outbox", "/outbox"),
        ("not-found", "/obligations/999999"),
        ("suppliers", "/suppliers"),
        ("supplier", supplier),
        ("findings", "/findings"),
        *finding,
        ("finding-new", f"{contract}/findings/new"),
        ("reports", "/reports"),
        ("audit", "/audit"),
        ("audit-verify", "/audit/verify"),
        ("library", "/library"),
        ("clause", clause),
        ("contract-new", "/contracts/new"),
        ("contract-edit", f"{contract}/edit"),
        ("attach", f"{contract}/attach"),
        *check,
    ]


def _attach_page(page: Page, base: str, contract: str) -> str:
    """The clause choices offered on the attach page (their option values)."""
    page.goto(f"{base}{contract}/attach")
    select = page.locator("select[name=clause]")
    return select.inner_html() if select.count() else ""


def main(base: str, email: str, password: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        for label, width in (("desktop", 1280), ("phone", 390)):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{base}/sign-in")
            page.screenshot(path=out / f"{label}-sign-in.png", full_page=True)
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password").fill("wrong password")
            page.get_by_role("button", name="Sign in").click()
            page.screenshot(path=out / f"{label}-sign-in-error.png", full_page=True)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            for name, path in pages(page, base):
                page.goto(f"{base}{path}")
                page.screenshot(path=out / f"{label}-{name}.png", full_page=True)
                if name == "obligation":
                    # The upload form, sent empty: the error summary and the field's message.
                    page.locator("summary").first.click()
                    page.get_by_role("button", name="Upload evidence").first.click()
                    page.screenshot(path=out / f"{label}-upload-error.png", full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1],
        sys.argv[2],
        sys.argv[3],
        Path(sys.argv[4] if len(sys.argv) > 4 else "/tmp/web-shots"),
    )
