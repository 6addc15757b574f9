"""Event-driven schedule shapes of issue 14 through the CLI, each used by a shipped clause:
a deadline plan chosen when the event is recorded (and by a finding's severity)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

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


def progress_reports(cli: Cli) -> list[tuple[str, str, object]]:
    return sorted(
        (row["due_on"], row["status"], row["next_reminder_at"])
        for row in cli.ok("obligations", "--format", "json").json()
        if row["obligation"] == "Progress report on the corrective action plan"
    )


def test_progress_reports_repeat_monthly_until_the_breach_is_closed(cli: Cli) -> None:
    raised = cli.ok(
        "contract", "event", "C-1", "breach_reported", "--on", "2027-03-01", "--now", NOW,
        "--format", "json",
    ).json()  # fmt: skip
    reports = progress_reports(cli)
    # Monthly from a month after the breach, bounded by the contract end (3 Jan 2029).
    assert [due for due, _, _ in reports][:3] == ["2027-04-01", "2027-05-01", "2027-06-01"]
    assert reports[-1][0] == "2029-01-01"
    assert len(reports) == 22

    closed = cli.ok(
        "contract", "event-close", str(raised["id"]), "--on", "2027-05-10",
        "--now", "2027-05-10T09:00:00+02:00", "--format", "json",
    ).json()  # fmt: skip
    assert closed["closed_on"] == "2027-05-10"
    assert [s["due_on"] for s in closed["superseded"]][:2] == ["2027-06-01", "2027-07-01"]
    assert len(closed["superseded"]) == 20
    after = progress_reports(cli)
    # Those due by the day it closed are still owed.
    assert [due for due, status, _ in after if status != "superseded"] == [
        "2027-04-01",
        "2027-05-01",
    ]
    assert all(status == "superseded" and nxt is None for _, status, nxt in after[2:])
    # The sweep months later leaves them stopped: no reminder, no status change.
    cli.ok("sweep", "--now", "2027-09-02T09:00:00+02:00")
    assert progress_reports(cli)[2:] == after[2:]
    # The other duties of the breach are not ended by closing it.
    assert due_dates(cli)["Prove closure and remedy"] == ["2027-05-30"]
    shown = cli.ok("contract", "show", "C-1", "--format", "json").json()
    assert shown["events"][0]["closed_on"] == "2027-05-10"
    again = cli("contract", "event-close", str(raised["id"]), "--now", NOW)
    assert again.code == 2
    assert "EVENT_ID" in again.err
    assert "already closed" in again.err


def test_a_contract_on_the_old_breach_clause_upgrades_to_plans_and_repeating_reports(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = (Path(__file__).parents[2] / "clauses" / "breach-remediation-cap.yaml").read_text(
        encoding="utf-8"
    )
    # The 1.1.0 the library shipped before: one offset per duty, one progress report.
    old = (
        shipped.replace('version: "1.3.0"', 'version: "1.1.0"\noverrides: true')
        .replace(', plans: {priority: "{priority_cap_period}"}', "")
        .replace(
            '    recurrence: {interval: "{progress_interval}", anchor: trigger, '
            "until: event_closed}\n",
            "",
        )
        .replace("title: Progress report on the", "title: First progress report on the")
    )
    assert old.count("recurrence") == 0
    library = tmp_path / "pinned"
    library.mkdir()
    (library / "breach-remediation-cap.yaml").write_text(old, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    cli.ok(
        "contract", "add", "C-2", "--supplier", "1", "--title", "Phones",
        "--start", "2027-01-04", "--end", "2028-01-03", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    cli.ok("contract", "attach", "C-2", "breach-remediation-cap", "--now", NOW)
    refused = cli("contract", "event", "C-2", "breach_reported", "--plan", "priority")
    assert refused.code == 2
    assert "they offer: normal)" in refused.err
    cli.ok("contract", "event", "C-2", "breach_reported", "--on", "2027-03-01", "--now", NOW)
    first = [
        r["due_on"]
        for r in cli.ok("obligations", "--contract", "C-2", "--format", "json").json()
        if r["obligation"].startswith("First progress report")
    ]
    assert first == ["2027-04-01"]

    monkeypatch.delenv("TRACKER_CLAUSE_PATH")
    upgraded = cli.ok(
        "contract", "upgrade-clause", "C-2", "breach-remediation-cap",
        "--now", "2027-03-10T10:00:00+01:00", "--format", "json",
    ).json()  # fmt: skip
    assert (upgraded["from_version"], upgraded["to_version"]) == ("1.1.0", "1.3.0")
    rows = cli.ok("obligations", "--contract", "C-2", "--format", "json").json()
    reports = sorted(
        (r["due_on"], r["status"]) for r in rows if "progress report" in r["obligation"].lower()
    )
    # The old single report is superseded; the new version repeats monthly to the end.
    assert ("2027-04-01", "superseded") in reports
    repeating = [due for due, status in reports if status != "superseded"]
    assert repeating[:3] == ["2027-04-01", "2027-05-01", "2027-06-01"]
    assert repeating[-1] == "2028-01-01"
