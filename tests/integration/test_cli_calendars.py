"""Business-day calendars through the CLI: an escalation rung a shipped clause counts in
business days of the contract's region, and the buyer's own closure days."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli import Cli

NOW = "2027-05-03T10:00:00+02:00"


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2027-05-21", "--end", "2031-05-20", "--timezone", "Europe/Berlin",
        "--country", "DE-BY",
    )  # fmt: skip
    return runner


def disclosure(cli: Cli) -> dict[str, Any]:
    (row,) = [
        r
        for r in cli.ok("obligations", "--format", "json").json()
        if r["obligation"] == "First disclosure of production sites"
    ]
    shown: dict[str, Any] = cli.ok("obligations", "show", str(row["id"]), "--format", "json").json()
    return shown


def test_the_formal_notice_counts_bavarian_business_days(cli: Cli) -> None:
    # The first disclosure is due one business day after Friday 21 May 2027: Monday 24.
    cli.ok(
        "contract", "attach", "C-1", "supply-chain-transparency", "--now", NOW,
        "--param", "disclosure_period=P1D",
    )  # fmt: skip
    shown = disclosure(cli)
    assert shown["due_on"] == "2027-05-24"
    steps = {s["name"]: s["on"] for s in shown["steps"]}
    # Five business days: Tue 25, Wed 26, (Corpus Christi, a Bavarian holiday, on Thu 27),
    # Fri 28, (the weekend), Mon 31 May, Tue 1 June.
    assert steps["formal-notice"] == "2027-06-01"
    # The meeting still counts calendar days.
    assert steps["escalation-meeting"] == "2027-06-23"
