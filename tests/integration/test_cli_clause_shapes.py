"""The schedule shapes the library needed, each used by a shipped clause, through the CLI:
a yearly fixed day, a duty that applies only from a date, a recurrence ended by whichever
comes first of the contract end and a date, a recurrence bounded by a count, and a duty due
at whichever of two dates is earlier."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.cli import Cli

NOW = "2027-01-02T10:00:00+01:00"


@pytest.fixture
def cli(
    tracker_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Cli:
    monkeypatch.setenv("TRACKER_HORIZON_DAYS", "3660")  # the whole contract at once
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    runner.ok("supplier", "add", "Example Devices AB", "--email", "compliance@example.com")
    runner.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2027-01-04", "--end", "2031-01-03", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    return runner


def due_dates(cli: Cli) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for row in cli.ok("obligations", "--format", "json").json():
        found[row["obligation"]].append(row["due_on"])
    return {title: sorted(days) for title, days in found.items()}


def test_a_yearly_fixed_day_never_falls_before_the_contract_start(cli: Cli) -> None:
    # TCO generation 10: a renewable-energy report every 31 August, first year 2025.
    cli.ok("contract", "attach", "C-1", "tco-certified-valid", "--now", NOW)
    got = due_dates(cli)["Copy of the brand owner's yearly renewable-energy report (31 August)"]
    assert got == ["2027-08-31", "2028-08-31", "2029-08-31", "2030-08-31"]


def test_a_duty_applies_only_from_its_date(cli: Cli) -> None:
    cli.ok(
        "contract", "attach", "C-1", "eu-forced-labour-regulation", "--now", NOW,
        "--param", "application_date=2028-06-01",
    )  # fmt: skip
    got = due_dates(cli)
    assert got["Confirm that no delivered product is made with forced labour"] == ["2028-06-01"]
    # The yearly renewal counts from the contract start; the 2028-01-04 one is before the
    # Regulation applies and is not owed.
    assert got["Renew the forced-labour confirmation"] == ["2029-01-04", "2030-01-04"]


def test_a_recurrence_ends_at_whichever_comes_first(cli: Cli) -> None:
    cli.ok("contract", "attach", "C-1", "csddd-scope-confirmation", "--now", NOW)
    got = due_dates(cli)
    assert got["State whether the supplier is within the CSDDD's scope"] == ["2027-02-03"]
    # Until the Directive applies (26 July 2029), before the contract ends (2031).
    assert got["Confirm or correct the CSDDD scope statement"] == ["2028-01-04", "2029-01-04"]
    # From then on, the yearly statement instead.
    assert got["Share the yearly due-diligence statement"] == ["2030-01-04"]


def test_a_recurrence_bounded_by_a_count(cli: Cli) -> None:
    cli.ok(
        "contract", "attach", "C-1", "nl-international-social-conditions", "--now", NOW,
        "--param", "progress_report_count=2",
    )  # fmt: skip
    got = due_dates(cli)
    assert got["Risk analysis and plan of action after award"] == ["2027-04-04"]
    assert got["Progress report on the plan of action"] == ["2027-07-04", "2027-10-04"]
    assert got["Yearly follow-up of the due-diligence analysis"] == [
        "2028-01-04",
        "2029-01-04",
        "2030-01-04",
    ]


def test_a_duty_is_due_at_whichever_of_two_dates_is_earlier(cli: Cli) -> None:
    # Starts 16 days before the CSDDD applies: the scope statement is due when it applies,
    # not 30 days after the start.
    cli.ok(
        "contract", "add", "C-2", "--supplier", "1", "--title", "Servers",
        "--start", "2029-07-10", "--end", "2031-07-09", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    cli.ok("contract", "attach", "C-2", "csddd-scope-confirmation", "--now", NOW)
    # The first contract starts long before: 30 days after its start.
    cli.ok("contract", "attach", "C-1", "csddd-scope-confirmation", "--now", NOW)
    statements = sorted(
        (row["contract"], row["due_on"])
        for row in cli.ok("obligations", "--format", "json").json()
        if row["obligation"] == "State whether the supplier is within the CSDDD's scope"
    )
    assert statements == [("C-1", "2027-02-03"), ("C-2", "2029-07-26")]
    shown = cli.ok("clauses", "show", "csddd-scope-confirmation").out
    assert "or on 2029-07-26, whichever is earlier" in shown


def test_a_duty_applies_only_to_the_product_types_it_names(cli: Cli) -> None:
    cli.ok(
        "contract", "add", "C-3", "--supplier", "1", "--title", "Notebooks and phones",
        "--start", "2027-01-04", "--end", "2029-01-03", "--cpv", "30213100",
    )  # fmt: skip
    attached = cli.ok(
        "contract", "attach", "C-3", "product-lifetime-support", "--now", NOW, "--format", "json"
    ).json()
    assert [(s["template_id"], s["reason"]) for s in attached["skipped"]] == [
        (
            "phone-tablet-spare-parts",
            "only for models of type smartphone, tablet, mobile-phone, cordless-phone",
        )
    ]
    for name, kind in (("Book 14", "notebook"), ("Phone 7", "Smartphone")):
        cli.ok(
            "contract", "model", "add", "C-3", "--manufacturer", "Acme", "--name", name,
            "--product-type", kind, "--first-delivery-on", "2027-03-01", "--now", NOW,
        )  # fmt: skip
    spare_parts = [
        title for title in due_dates(cli) if title.startswith("Spare parts of a smartphone")
    ]
    assert spare_parts == ["Spare parts of a smartphone or tablet model: Acme Phone 7"]


def test_a_duty_applies_to_every_model_of_a_contract_with_its_cpv_code(cli: Cli) -> None:
    cli.ok(
        "contract", "add", "C-4", "--supplier", "1", "--title", "Mobile phones",
        "--start", "2027-01-04", "--end", "2029-01-03", "--cpv", "32250000",
    )  # fmt: skip
    attached = cli.ok(
        "contract", "attach", "C-4", "product-lifetime-support", "--now", NOW, "--format", "json"
    ).json()
    assert attached["skipped"] == []
    cli.ok(
        "contract", "model", "add", "C-4", "--manufacturer", "Acme", "--name", "Dock 2",
        "--product-type", "docking-station", "--first-delivery-on", "2027-03-01", "--now", NOW,
    )  # fmt: skip
    assert due_dates(cli)["Spare parts of a smartphone or tablet model: Acme Dock 2"] == [
        "2027-03-01"
    ]
