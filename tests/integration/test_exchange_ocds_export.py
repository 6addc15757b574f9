"""OCDS export: milestones and documents that validate, restricted evidence never
published, the same bytes for the same data; on both engines."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from tests.cli import Cli
from tests.integration.exchange_world import obligation_id, pdf, world_cli
from tracker.exchange.ocds_read import Publication, read
from tracker.exchange.ocds_schema import RELEASE_PACKAGE

SECRET = "SECRET-Factory-Shenzhen-Line-7"


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    runner = world_cli(capsys, monkeypatch, tmp_path)
    factory = obligation_id(tracker_env, "factory-list")
    audit = obligation_id(tracker_env, "audit")
    given = [(factory, "factory-list", f"{SECRET}.pdf"), (audit, "audit-report", "audit.pdf")]
    for oid, kind, name in given:
        added = runner.ok(
            "evidence", "add", str(oid), str(pdf(tmp_path, name, name.encode())), "--type", kind,
            "--now", "2027-03-15T10:00:00-04:00", "--format", "json",
        ).json()[0]  # fmt: skip
        runner.ok(
            "evidence", "review", str(added["id"]), "--accept",
            "--now", "2027-03-16T10:00:00-04:00",
        )  # fmt: skip
    return runner


def export(cli: Cli, tmp_path: Path, *args: str) -> tuple[bytes, dict[str, Any]]:
    target = tmp_path / "release-package.json"
    cli.ok("export", "ocds", *args, "-o", str(target))
    content = target.read_bytes()
    return content, json.loads(content)


def valid(package: dict[str, Any]) -> None:
    validator = Draft4Validator(RELEASE_PACKAGE, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_obligations_become_milestones_of_an_implementation_update(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    content, package = export(cli, tmp_path, "--contract", "C-1")
    valid(package)
    assert package["version"] == "1.1"
    [release] = package["releases"]
    assert release["tag"] == ["implementationUpdate"]
    assert release["ocid"] == "ocds-tracker-C-1"
    [contract] = release["contracts"]
    assert contract["id"] == "C-1"
    milestones = {m["id"]: m for m in contract["implementation"]["milestones"]}
    factory = milestones[f"obligation-{obligation_id(tracker_env, 'factory-list')}"]
    assert factory["type"] == "reporting"
    assert factory["status"] == "met"
    assert factory["dueDate"] == "2027-03-21T23:59:59-04:00"  # the due day, New York time
    assert factory["dateMet"] == "2027-03-15T00:00:00-04:00"
    assert factory["code"] == "ethics:audit-clause:factory-list"
    audit = milestones[f"obligation-{obligation_id(tracker_env, 'audit')}"]
    assert audit["type"] == "assessment"
    exit_plan = milestones[f"obligation-{obligation_id(tracker_env, 'exit-plan')}"]
    assert exit_plan["status"] == "scheduled"
    assert "dateMet" not in exit_plan
    # Accepted public evidence is published by type and hash; the restricted factory list
    # is not published at all, not even its file name.
    [document] = contract["implementation"]["documents"]
    assert document["documentType"] == "socialAuditReport"
    assert "SHA-256 " in document["description"]
    assert SECRET.encode() not in content
    assert b"Factory list" not in content


def test_the_same_data_exported_twice_gives_the_same_bytes(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    first, package = export(cli, tmp_path)
    second, _ = export(cli, tmp_path)
    assert first == second
    # The package is dated by its newest change, not by when it was exported.
    assert package["publishedDate"] == "2027-03-16T14:00:00Z"
    _, dated = export(cli, tmp_path, "--published", "2027-04-01T12:00:00+02:00")
    assert dated["publishedDate"] == "2027-04-01T10:00:00Z"


def test_a_waived_obligation_has_no_status_code_and_says_why(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    exit_plan = obligation_id(tracker_env, "exit-plan")
    cli.ok(
        "obligations", "waive", str(exit_plan), "--reason", "Leased devices go back",
        "--now", "2027-04-01T10:00:00-04:00",
    )  # fmt: skip
    _, package = export(cli, tmp_path)
    valid(package)
    milestones = package["releases"][0]["contracts"][0]["implementation"]["milestones"]
    waived = next(m for m in milestones if m["id"] == f"obligation-{exit_plan}")
    assert waived["status"] is None
    assert waived["description"] == "Waived: Leased devices go back"


def test_since_leaves_out_contracts_unchanged_since(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    _, recent = export(cli, tmp_path, "--since", "2027-03-16")
    assert len(recent["releases"]) == 1
    _, later = export(cli, tmp_path, "--since", "2027-03-17")
    assert later["releases"] == []
    bad = cli("export", "ocds", "--since", "March")
    assert bad.code == 2
    assert "--since" in bad.err


def test_milestone_ids_are_stable_so_merged_exports_update_them(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    first, _ = export(cli, tmp_path)
    exit_plan = obligation_id(tracker_env, "exit-plan")
    cli.ok(
        "obligations", "waive", str(exit_plan), "--reason", "Leased devices go back",
        "--now", "2027-04-01T10:00:00-04:00",
    )  # fmt: skip
    second, _ = export(cli, tmp_path)
    publication = Publication()
    for name, content in (("first.json", first), ("second.json", second)):
        read(io.BytesIO(content), source=name, into=publication)
    [(ocid, compiled)] = publication.compile().items()
    assert ocid == "ocds-tracker-C-1"
    milestones = compiled["contracts"][0]["implementation"]["milestones"]
    assert len(milestones) == 3  # the same three, updated in place
    waived = next(m for m in milestones if m["id"] == f"obligation-{exit_plan}")
    assert waived["description"] == "Waived: Leased devices go back"
    assert "status" not in waived or waived["status"] is None
