"""A contract's own reminder time, through the CLI and the real sweep: 14:30 in Stockholm
is 13:30 UTC in winter and 12:30 UTC in summer, and changing it moves the next reminder
without sending one twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli import Cli
from tests.factories import HEADER

ONE_DUTY = (
    HEADER.format(id="timed-duty")
    + """\
obligations:
  - id: report
    title: Send the social audit report
    trigger: {type: contract_start, offset: P40D}
    reminders: {before_due: [P30D, P14D]}
"""
)


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    library = tmp_path / "clauses"
    library.mkdir()
    (library / "timed-duty.yaml").write_text(ONE_DUTY, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    monkeypatch.setenv("TRACKER_OUTBOX_DIR", str(tmp_path / "outbox"))
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    return runner


def contract(cli: Cli, reference: str, start: str, *extra: str) -> None:
    cli.ok(
        "contract", "add", reference, "--supplier", "1", "--title", "Notebooks",
        "--start", start, "--end", "2030-12-31", "--timezone", "Europe/Stockholm", *extra,
    )  # fmt: skip
    cli.ok("contract", "attach", reference, "timed-duty", "--now", f"{start}T09:00:00+01:00")


def obligation(cli: Cli, reference: str) -> dict[str, Any]:
    (row,) = [
        r for r in cli.ok("obligations", "--format", "json").json() if r["contract"] == reference
    ]
    shown: dict[str, Any] = cli.ok("obligations", "show", str(row["id"]), "--format", "json").json()
    return shown


def reminded(cli: Cli, reference: str) -> list[str]:
    return [r["step"] for r in obligation(cli, reference)["reminders"]]


@pytest.mark.parametrize(
    ("start", "first_step_utc"),
    [
        # Due 10 February 2027; the 30-day reminder on 11 January, CET (UTC+1).
        ("2027-01-01", "2027-01-11T13:30:00+00:00"),
        # Due 11 July 2027; the 30-day reminder on 11 June, CEST (UTC+2).
        ("2027-06-01", "2027-06-11T12:30:00+00:00"),
    ],
    ids=["winter", "summer"],
)
def test_reminders_go_out_at_the_contracts_own_time(
    cli: Cli, start: str, first_step_utc: str
) -> None:
    contract(cli, "C-1", start, "--reminder-time", "14:30")
    assert cli.ok("contract", "show", "C-1", "--format", "json").json()["reminder_time"] == "14:30"
    assert obligation(cli, "C-1")["next_reminder_at"] == first_step_utc
    day = first_step_utc[:10]
    # At the site's hour (08:00 local) nothing goes out for this contract...
    offset = "+01:00" if start.startswith("2027-01") else "+02:00"
    cli.ok("sweep", "--now", f"{day}T08:05:00{offset}")
    assert reminded(cli, "C-1") == []
    cli.ok("sweep", "--now", f"{day}T14:29:00{offset}")
    assert reminded(cli, "C-1") == []
    # ...at 14:30 local it does, once.
    cli.ok("sweep", "--now", f"{day}T14:30:00{offset}")
    assert reminded(cli, "C-1") == ["before:P30D"]
    cli.ok("sweep", "--now", f"{day}T18:00:00{offset}")
    assert reminded(cli, "C-1") == ["before:P30D"]


def test_a_contract_without_its_own_time_keeps_the_sites_hour(cli: Cli) -> None:
    contract(cli, "C-1", "2027-01-01")
    assert cli.ok("contract", "show", "C-1", "--format", "json").json()["reminder_time"] is None
    assert obligation(cli, "C-1")["next_reminder_at"] == "2027-01-11T07:00:00+00:00"


def test_changing_the_time_moves_the_next_reminder_and_sends_nothing_twice(cli: Cli) -> None:
    contract(cli, "C-1", "2027-01-01", "--reminder-time", "14:30")
    cli.ok("sweep", "--now", "2027-01-11T14:30:00+01:00")
    assert reminded(cli, "C-1") == ["before:P30D"]
    # The next step (14 days before, 27 January) was due at 14:30; now it is due at 16:45.
    assert obligation(cli, "C-1")["next_reminder_at"] == "2027-01-27T13:30:00+00:00"
    cli.ok(
        "contract", "edit", "C-1", "--reminder-time", "16:45", "--now", "2027-01-11T15:00:00+01:00"
    )
    assert cli.ok("contract", "show", "C-1", "--format", "json").json()["reminder_time"] == "16:45"
    assert obligation(cli, "C-1")["next_reminder_at"] == "2027-01-27T15:45:00+00:00"
    # The step already sent today is not sent again at the new time.
    cli.ok("sweep", "--now", "2027-01-11T16:50:00+01:00")
    assert reminded(cli, "C-1") == ["before:P30D"]
    # Back to the site's hour (08:00).
    cli.ok("contract", "edit", "C-1", "--reminder-time", "", "--now", "2027-01-11T17:00:00+01:00")
    assert obligation(cli, "C-1")["next_reminder_at"] == "2027-01-27T07:00:00+00:00"
    cli.ok("sweep", "--now", "2027-01-27T08:00:00+01:00")
    assert reminded(cli, "C-1") == ["before:P30D", "before:P14D"]


@pytest.mark.parametrize("bad", ["25:00", "8h", "14:75", "noon"])
def test_a_bad_reminder_time_names_the_option(cli: Cli, bad: str) -> None:
    result = cli(
        "contract", "add", "C-9", "--supplier", "1", "--title", "T", "--start", "2027-01-01",
        "--end", "2028-01-01", "--reminder-time", bad,
    )  # fmt: skip
    assert result.code == 2
    assert "--reminder-time:" in result.err
    contract(cli, "C-1", "2027-01-01")
    edited = cli("contract", "edit", "C-1", "--reminder-time", bad)
    assert edited.code == 2
    assert "--reminder-time:" in edited.err
