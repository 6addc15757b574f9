"""Event-driven schedule shapes of issue 14 through the CLI, each used by a shipped clause:
a deadline plan chosen when the event is recorded (and by a finding's severity)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.cli import Cli

NOW = "2027-03-01T10:00:00+01:00"


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2027-01-04", "--end", "2029-01-03", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    runner.ok("contract", "attach", "C-1", "breach-remediation-cap", "--now", NOW)
    return runner


def due_dates(cli: Cli) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for row in cli.ok("obligations", "--format", "json").json():
        found[row["obligation"]].append(row["due_on"])
    return {title: sorted(days) for title, days in found.items()}


def test_a_priority_breach_gets_the_shorter_plan_deadline(cli: Cli) -> None:
    raised = cli.ok(
        "contract", "event", "C-1", "breach_reported", "--on", "2027-03-01", "--plan",
        "priority", "--now", NOW, "--format", "json",
    ).json()  # fmt: skip
    assert raised["plan"] == "priority"
    got = due_dates(cli)
    # RBA VAP: 7 calendar days for a priority finding instead of 14.
    assert got["Submit a corrective action plan"] == ["2027-03-08"]
    # The other duties of the event keep their own deadlines.
    assert got["Prove closure and remedy"] == ["2027-05-30"]
    shown = cli.ok("contract", "show", "C-1", "--format", "json").json()
    assert [(e["event"], e["plan"]) for e in shown["events"]] == [("breach_reported", "priority")]


def test_without_a_plan_the_normal_deadline_applies(cli: Cli) -> None:
    raised = cli.ok(
        "contract", "event", "C-1", "breach_reported", "--on", "2027-03-01", "--now", NOW,
        "--format", "json",
    ).json()  # fmt: skip
    assert raised["plan"] == "normal"
    assert due_dates(cli)["Submit a corrective action plan"] == ["2027-03-15"]


def test_a_plan_the_clauses_do_not_offer_is_refused(cli: Cli) -> None:
    refused = cli(
        "contract", "event", "C-1", "breach_reported", "--plan", "urgent", "--now", NOW,
    )  # fmt: skip
    assert refused.code == 2
    assert "--plan" in refused.err
    assert "normal, priority" in refused.err
    # Nothing was recorded or planned.
    assert "Submit a corrective action plan" not in due_dates(cli)
    # An event no clause offers plans for offers only the normal one.
    other = cli("contract", "event", "C-1", "allegation", "--plan", "priority", "--now", NOW)
    assert other.code == 2
    assert "they offer: normal)" in other.err


def test_a_priority_findings_plan_comes_from_the_clauses_priority_plan(cli: Cli) -> None:
    cli.ok(
        "contract", "event", "C-1", "breach_reported", "--on", "2027-03-01", "--now", NOW,
    )  # fmt: skip
    submit = next(
        row["id"]
        for row in cli.ok("obligations", "--format", "json").json()
        if row["obligation"] == "Submit a corrective action plan"
    )
    found = cli.ok(
        "finding", "add", "--obligation", str(submit), "--severity", "priority",
        "--text", "Workers' passports are held by the agency", "--now", NOW, "--format", "json",
    ).json()  # fmt: skip
    assert found["cap_due_on"] == "2027-03-08"
    minor = cli.ok(
        "finding", "add", "--obligation", str(submit), "--severity", "minor",
        "--text", "Overtime records incomplete", "--now", NOW, "--format", "json",
    ).json()  # fmt: skip
    assert minor["cap_due_on"] == "2027-03-15"
