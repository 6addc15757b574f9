"""axe-core on each main page in a real browser: no serious or critical violation.

Runs Debian's chromium against a real `tracker serve`; the world has a finding and a report
so that their pages show tables, not only empty states, and C-1 has product models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli import Cli
from tests.e2e.server import CHROMIUM, needs_chromium, serving
from tests.web.models_world import three_models
from tests.web.world import CLI_NOW, PASSWORD, build, email_of

pytestmark = needs_chromium

PAGES = (
    "/",
    "/contracts",
    "/contracts/C-1",
    "/obligations/1",
    "/suppliers",
    "/suppliers/1",
    "/findings",
    "/findings/1",
    "/contracts/C-1/findings/new",
    "/reports",
    "/audit",
    "/audit/verify",
    "/library",
    "/library/web-clause",
    "/contracts/new",
    "/contracts/C-1/edit",
    "/contracts/C-1/attach",
    "/contracts/C-1/models/1/retire",
    "/outbox",
    "/feeds",
    "/import",
)


@pytest.fixture
def site(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    world = build(Cli(capsys, monkeypatch), tmp_path, tracker_env, monkeypatch)
    three_models(world)  # the contract page shows models in each standing
    world.cli.ok("finding", "add", "--severity", "major", "--text", "Two sites were not listed",
                 "--contract", "C-1", "--now", CLI_NOW)  # fmt: skip
    world.cli.ok("report", "--scope", "portfolio", "--period", "2027-Q1",
                 "-o", str(tmp_path / "q1.html"), "--now", CLI_NOW)  # fmt: skip
    with serving(tmp_path) as base:
        yield base


def serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_violation_on_the_main_pages(site: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{site}/sign-in")
            found["/sign-in"] = serious(axe.run(page))
            page.get_by_label("Email address").fill(email_of("admin"))
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{site}/")
            for path in PAGES:
                response = page.goto(f"{site}{path}")
                assert response is not None
                assert response.status == 200, path
                found[path] = serious(axe.run(page))
            # A form sent with mistakes: the error summary and messages are checked too.
            page.goto(f"{site}/contracts/new")
            page.get_by_role("button", name="Add contract").click()
            found["/contracts/new (errors)"] = serious(axe.run(page))
            page.goto(f"{site}/contracts/C-1")
            page.get_by_role("button", name="Add model").click()
            found["/contracts/C-1 (add a model, errors)"] = serious(axe.run(page))
        finally:
            browser.close()
    assert {path: v for path, v in found.items() if v} == {}
