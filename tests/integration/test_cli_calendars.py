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


CLOSURE_NOW = "2027-11-20T10:00:00+01:00"


def first_disclosures(cli: Cli) -> dict[str, tuple[int, str, str]]:
    return {
        r["contract"]: (r["id"], r["due_on"], r["status"])
        for r in cli.ok("obligations", "--format", "json").json()
        if r["obligation"] == "First disclosure of production sites"
    }


def test_closure_days_move_business_day_deadlines_and_back(cli: Cli) -> None:
    for reference in ("C-2", "C-3"):
        cli.ok(
            "contract", "add", reference, "--supplier", "1", "--title", "Monitors",
            "--start", "2027-12-01", "--end", "2029-11-30", "--timezone", "Europe/Stockholm",
            "--country", "SE",
        )  # fmt: skip
        cli.ok("contract", "attach", reference, "supply-chain-transparency", "--now", CLOSURE_NOW)
    before = first_disclosures(cli)
    # 20 Swedish business days after Wednesday 1 December 2027 (Christmas on the weekend).
    assert before["C-2"][1] == before["C-3"][1] == "2027-12-29"
    # C-3's duty is decided (waived): it never moves.
    cli.ok(
        "obligations",
        "waive",
        str(before["C-3"][0]),
        "--reason",
        "not relevant",
        "--now",
        CLOSURE_NOW,
    )

    added = cli.ok(
        "closure", "add", "2027-12-27", "--to", "2027-12-31", "--label", "Christmas week",
        "--now", CLOSURE_NOW, "--format", "json",
    ).json()  # fmt: skip
    assert [d["day"] for d in added["days"]] == [f"2027-12-{d}" for d in range(27, 32)]
    moved = {(m["contract"], m["obligation"]): m for m in added["rescheduled"]}
    move = moved[("C-2", "First disclosure of production sites")]
    # The count resumes after New Year: Mon 3, Tue 4, Wed 5 January 2028.
    assert (move["old_due_on"], move["new_due_on"]) == ("2027-12-29", "2028-01-05")
    assert not any(contract == "C-3" for contract, _ in moved)
    after = first_disclosures(cli)
    assert after["C-2"][1] == "2028-01-05"
    assert after["C-3"][1:] == ("2027-12-29", "waived")
    listed = cli.ok("closure", "list", "--format", "json").json()
    assert [(d["day"], d["label"]) for d in listed][:1] == [("2027-12-27", "Christmas week")]
    assert len(listed) == 5
    table = cli.ok("closure", "list").out
    assert "Christmas week" in table

    removed = cli.ok(
        "closure", "remove", "2027-12-27", "--to", "2027-12-31", "--now", CLOSURE_NOW,
        "--format", "json",
    ).json()  # fmt: skip
    back = {(m["contract"], m["obligation"]): m for m in removed["rescheduled"]}
    move = back[("C-2", "First disclosure of production sites")]
    assert (move["old_due_on"], move["new_due_on"]) == ("2028-01-05", "2027-12-29")
    assert first_disclosures(cli)["C-2"][1] == "2027-12-29"
    assert cli.ok("closure", "list", "--format", "json").json() == []
    trail = cli.ok("audit", "log", "--entity", "closure_day", "--format", "json").json()
    assert [e["action"] for e in trail] == ["removed", "added"]
    contract_trail = cli.ok("audit", "log", "--contract", "C-2", "--format", "json").json()
    assert "replanned_for_closure_days" in {e["action"] for e in contract_trail}


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("closure", "add", "2027-12-27", "--to", "27.12.2027", "--label", "X"), "--to:"),
        (("closure", "add", "2027-13-01", "--label", "X"), "DATE:"),
        (("closure", "add", "2027-12-27", "--to", "2027-12-01", "--label", "X"), "--to:"),
        (("closure", "add", "2027-12-27", "--label", "  "), "--label:"),
        (("closure", "remove", "2027-12-27"), "DATE:"),
    ],
)
def test_bad_closure_input_names_what_to_fix(cli: Cli, args: tuple[str, ...], named: str) -> None:
    result = cli(*args)
    assert result.code == 2, result.err
    assert named in result.err
    assert cli.ok("closure", "list", "--format", "json").json() == []
