"""OCDS import through the CLI, on hand-made files (tests/fixtures/ocds), on both engines.

No package on PyPI ships a real OCDS publication as package data, and third-party
publications cannot be committed here, so every file is invented (see the fixtures' README).
"""

from __future__ import annotations

import copy
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli
from tests.integration.exchange_world import CLAUSE
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, Contract, Supplier, SupplierContact

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ocds"
PACKAGE = FIXTURES / "notebooks-release-package.json"
AMENDMENT = FIXTURES / "notebooks-amendment.jsonl"
CON_1 = "ocds-exmpl1-0001/CON-1"
CON_9 = "ocds-exmpl1-0003/CON-9"


@pytest.fixture
def cli(
    tracker_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    library = tmp_path / "clauses"
    library.mkdir()
    (library / "audit-clause.yaml").write_text(CLAUSE, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner


def imported(cli: Cli, *args: str) -> dict[str, dict[str, Any]]:
    report = cli.ok("import", "ocds", *args, "--format", "json").json()
    return {row["reference"]: row for row in report["contracts"]}


def count(url: str, model: type) -> int:
    with read_session(get_engine(url)) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def package() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PACKAGE.read_text(encoding="utf-8"))
    return loaded


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return str(path)


def test_a_release_package_creates_the_awarded_contract_and_its_supplier(
    cli: Cli, tracker_env: str
) -> None:
    rows = imported(cli, str(PACKAGE), "--manager", "manager@example.com")
    assert rows[CON_1]["action"] == "created"
    assert rows[CON_1]["supplier_action"] == "created"
    assert "audit-clause" in rows[CON_1]["suggested"]  # by CPV 302... and by the goal
    assert rows["ocds-exmpl1-0002"]["action"] == "skipped"
    assert rows["ocds-exmpl1-0002"]["note"] == "no awarded contract in this process yet"

    shown = cli.ok("contract", "show", CON_1, "--format", "json").json()
    # Merged from the award release and the contract release.
    assert shown["title"] == "Notebooks for schools, lot 1"
    assert shown["start_on"] == "2027-03-01"
    assert shown["end_on"] == "2030-02-28"
    assert shown["signed_on"] == "2027-02-15"
    assert shown["value_amount"] == "125000.50"
    assert shown["currency"] == "EUR"
    assert shown["cpv_codes"] == ["30213100"]  # from the award's items; UNSPSC ignored
    assert shown["buyer"] == "Example City Council"
    assert shown["manager_email"] == "manager@example.com"
    assert shown["supplier"] == "Example Devices AB"
    with read_session(get_engine(tracker_env)) as s:
        supplier = s.scalars(select(Supplier)).one()
        assert supplier.identifiers == ["SE-BLV-5560000001"]
        assert supplier.country == "SE"
        contact = s.scalars(select(SupplierContact)).one()
        assert (contact.email, contact.name) == ("compliance@example.com", "Compliance desk")
        actions = list(s.scalars(select(col(AuditEvent.entity)).order_by(col(AuditEvent.id))))
    assert actions == ["supplier", "contract"]  # each creation in the audit trail


def test_importing_the_same_data_again_changes_nothing(cli: Cli, tracker_env: str) -> None:
    imported(cli, str(PACKAGE))
    before = [count(tracker_env, m) for m in (Contract, Supplier, AuditEvent)]
    again = imported(cli, str(PACKAGE))
    assert again[CON_1]["action"] == "unchanged"
    assert again[CON_1]["supplier_action"] == "matched by identifier"
    assert [count(tracker_env, m) for m in (Contract, Supplier, AuditEvent)] == before


def test_a_newer_release_in_json_lines_updates_the_contract(cli: Cli, tracker_env: str) -> None:
    imported(cli, str(PACKAGE))
    preview = imported(cli, str(PACKAGE), str(AMENDMENT), "--dry-run")
    assert preview[CON_1]["action"] == "would update"
    assert preview[CON_1]["changes"] == ["end_on: 2030-02-28 -> 2030-08-31"]
    assert cli.ok("contract", "show", CON_1, "--format", "json").json()["end_on"] == "2030-02-28"
    rows = imported(cli, str(PACKAGE), str(AMENDMENT))
    # The amendment is merged over the earlier releases of the same process, and applied.
    assert rows[CON_1]["action"] == "updated"
    assert rows[CON_1]["changes"] == ["end_on: 2030-02-28 -> 2030-08-31"]
    assert rows[CON_1]["note"] == ""
    assert cli.ok("contract", "show", CON_1, "--format", "json").json()["end_on"] == "2030-08-31"
    # A supplier without an identifier is created, and found by its exact name next time.
    assert rows[CON_9]["action"] == "created"
    assert rows[CON_9]["supplier_action"] == "created"
    before = [count(tracker_env, m) for m in (Contract, Supplier, AuditEvent)]
    again = imported(cli, str(PACKAGE), str(AMENDMENT))
    assert again[CON_9]["supplier_action"] == "matched by name"
    assert {r["action"] for r in again.values()} == {"unchanged", "skipped"}
    assert [count(tracker_env, m) for m in (Contract, Supplier, AuditEvent)] == before
    assert count(tracker_env, Supplier) == 2


def test_changed_dates_replan_future_undecided_obligations_only(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    imported(cli, str(PACKAGE), "--attach-suggested")
    due = {
        o["obligation"]: o
        for o in cli.ok("obligations", "--contract", CON_1, "--format", "json").json()
    }
    assert due["Send the social audit report"]["due_on"] == "2027-03-31"
    waived = due["Disclose the factory list"]
    cli.ok("obligations", "waive", str(waived["id"]), "--reason", "Covered by the framework")
    later = {
        "ocid": "ocds-exmpl1-0001", "id": "ocds-exmpl1-0001-amendment-2",
        "date": "2027-09-05T10:00:00Z", "tag": ["contractAmendment"], "initiationType": "tender",
        "contracts": [
            {"id": "CON-1", "awardID": "A-1", "period": {"startDate": "2027-04-01T00:00:00Z"}}
        ],
    }  # fmt: skip
    rows = imported(cli, str(PACKAGE), write(tmp_path, "later.json", later))
    assert rows[CON_1]["action"] == "updated"
    assert rows[CON_1]["changes"] == ["start_on: 2027-03-01 -> 2027-04-01"]
    audit = due["Send the social audit report"]["id"]
    assert (
        f"{audit} Send the social audit report: 2027-03-31 -> 2027-05-01"
        in (rows[CON_1]["rescheduled"])
    )
    assert not [r for r in rows[CON_1]["rescheduled"] if r.startswith(f"{waived['id']} ")]
    after = {
        o["obligation"]: o
        for o in cli.ok("obligations", "--contract", CON_1, "--format", "json").json()
    }
    assert after["Send the social audit report"]["due_on"] == "2027-05-01"
    assert after["Disclose the factory list"]["due_on"] == "2027-03-21"  # decided: never moves
    assert after["Disclose the factory list"]["status"] == "waived"
    # The same data again: nothing moves, nothing is written.
    before = count(tracker_env, AuditEvent)
    again = imported(cli, str(PACKAGE), write(tmp_path, "later.json", later))
    assert again[CON_1]["action"] == "unchanged"
    assert count(tracker_env, AuditEvent) == before


def test_facts_the_editor_does_not_change_are_reported_not_applied(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    imported(cli, str(PACKAGE))
    newer = package()
    newer["releases"][1]["contracts"][0]["status"] = "terminated"
    rows = imported(cli, write(tmp_path, "newer.json", newer))
    assert rows[CON_1]["action"] == "not applied"
    assert rows[CON_1]["changes"] == ["status: active -> terminated"]
    assert rows[CON_1]["note"] == "not applied (change by hand if needed): status"


def test_a_dry_run_says_what_would_happen_and_writes_nothing(cli: Cli, tracker_env: str) -> None:
    rows = imported(cli, str(PACKAGE), str(AMENDMENT), "--dry-run", "--attach-suggested")
    assert rows[CON_1]["action"] == "would create"
    assert rows[CON_9]["action"] == "would create"
    assert "audit-clause" in rows[CON_1]["attached"]
    assert [count(tracker_env, m) for m in (Contract, Supplier, AuditEvent)] == [0, 0, 0]
    table = cli.ok("import", "ocds", str(PACKAGE), "--dry-run")
    assert "dry run: nothing was written" in table.err


def test_suggested_clauses_are_attached_with_their_defaults(cli: Cli, tracker_env: str) -> None:
    rows = imported(cli, str(PACKAGE), "--attach-suggested", "--now", "2027-02-21T10:00:00Z")
    assert "audit-clause" in rows[CON_1]["attached"]
    shown = cli.ok("contract", "show", CON_1, "--format", "json").json()
    assert "audit-clause" in [c["clause_id"] for c in shown["clauses"]]
    again = imported(cli, str(PACKAGE), "--attach-suggested", "--now", "2027-02-21T10:00:00Z")
    assert again[CON_1]["attached"] == []  # already attached: nothing twice


def test_a_record_package_and_standard_input(
    cli: Cli, tracker_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = package()
    award, contract = base["releases"][0], base["releases"][1]
    compiled = {**award, "id": "compiled", "date": contract["date"]}
    compiled["contracts"] = contract["contracts"]
    records = {k: base[k] for k in ("uri", "version", "publishedDate", "publisher")}
    records["records"] = [{"ocid": award["ocid"], "compiledRelease": compiled}]
    data = json.dumps(records).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    rows = imported(cli, "-")
    assert rows[CON_1]["action"] == "created"
    assert cli.ok("contract", "show", CON_1, "--format", "json").json()["end_on"] == "2030-02-28"


@pytest.mark.parametrize(
    ("change", "where", "why"),
    [
        (
            lambda p: p["releases"][1]["contracts"][0]["period"].update(endDate="end of 2030"),
            "at /releases/1/contracts/0/period/endDate",
            "is not a 'date-time'",
        ),
        (
            lambda p: p["releases"][1]["contracts"][0]["period"].update(
                endDate="2026-12-31T00:00:00Z"
            ),
            "at /releases/1/contracts/0/period/endDate",
            "2026-12-31 is before the start date 2027-03-01",
        ),
        (
            lambda p: p["releases"][1]["contracts"][0].pop("awardID"),
            "at /releases/1/contracts/0",
            "is missing 'awardID', which OCDS requires",
        ),
        (
            lambda p: p["releases"][1]["contracts"][0].update(status="signed"),
            "at /releases/1/contracts/0/status",
            "'signed' is not one of pending, active, cancelled, terminated",
        ),
        (
            lambda p: p.pop("publisher"),
            "at /",
            "is missing 'publisher'",
        ),
    ],
    ids=["bad-date", "end-before-start", "no-award-id", "status-not-in-codelist", "no-publisher"],
)
def test_a_file_that_is_not_valid_ocds_is_refused_whole(
    cli: Cli, tracker_env: str, tmp_path: Path, change: Any, where: str, why: str
) -> None:
    broken = copy.deepcopy(package())
    change(broken)
    path = write(tmp_path, "broken.json", broken)
    valid = tmp_path / "take-back.jsonl"  # another process, valid on its own
    valid.write_text(AMENDMENT.read_text(encoding="utf-8").splitlines()[-1], encoding="utf-8")
    result = cli("import", "ocds", str(valid), path)
    assert result.code == 2
    assert result.err.count("\n") == 1  # one line, no traceback
    assert f"broken.json {where}: " in result.err
    assert why in result.err
    assert "nothing was imported" in result.err
    # The valid file given first was not imported either.
    assert [count(tracker_env, m) for m in (Contract, Supplier, AuditEvent)] == [0, 0, 0]


def test_invalid_json_and_json_lines_are_refused(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.json"
    cut.write_bytes(PACKAGE.read_bytes()[:1500])
    result = cli("import", "ocds", str(cut))
    assert result.code == 2
    assert "cut.json at /: not valid JSON" in result.err
    lines = tmp_path / "lines.jsonl"
    good = AMENDMENT.read_text(encoding="utf-8").splitlines()[0]
    lines.write_text(f'{good}\n{{"ocid": \n', encoding="utf-8")
    bad_line = cli("import", "ocds", str(lines))
    assert bad_line.code == 2
    assert "lines.jsonl line 2 at /: not valid JSON" in bad_line.err
    other = write(tmp_path, "other.json", {"name": "not OCDS"})
    assert "neither a release package" in cli("import", "ocds", other).err
    assert cli("import", "ocds", str(tmp_path / "missing.json")).code == 2
    assert count(tracker_env, AuditEvent) == 0


def test_a_supplier_named_only_among_the_parties_is_found(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    release = json.loads(AMENDMENT.read_text(encoding="utf-8").splitlines()[-1])
    del release["awards"][0]["suppliers"]
    rows = imported(cli, write(tmp_path, "release.json", release))
    assert rows[CON_9]["action"] == "created"
    assert rows[CON_9]["supplier"] == "Example Recycling Ltd"


def test_an_ended_contracts_new_dates_are_refused_and_the_rest_imports(
    cli: Cli, tracker_env: str
) -> None:
    imported(cli, str(PACKAGE))
    cli.ok(
        "contract", "end", CON_1, "--status", "terminated", "--on", "2027-06-30",
        "--reason", "Supplier went bankrupt", "--now", "2027-07-01T10:00:00+00:00",
    )  # fmt: skip
    rows = imported(cli, str(PACKAGE), str(AMENDMENT))
    assert rows[CON_1]["action"] == "refused"
    assert rows[CON_1]["note"] == (
        f"not updated: {CON_1} was terminated on 2027-06-30; its dates no longer change"
    )
    assert rows[CON_9]["action"] == "created"  # one refused contract stops no other
    assert cli.ok("contract", "show", CON_1, "--format", "json").json()["end_on"] == "2030-02-28"


def _release(number: int, **contract: Any) -> dict[str, Any]:
    """One awarded contract of a supplier with an identifier, as one line of JSON Lines."""
    ocid = f"ocds-exmpl1-b{number:03d}"
    return {
        "ocid": ocid, "id": f"{ocid}-1", "date": "2027-01-10T10:00:00Z",
        "tag": ["award", "contract"], "initiationType": "tender",
        "parties": [{
            "id": "S-1", "name": "Example Screens GmbH", "roles": ["supplier"],
            "identifier": {"scheme": "DE-CR", "id": "HRB 1234"},
            "contactPoint": {"email": "screens@example.com"},
        }],
        "awards": [{"id": "A-1", "suppliers": [{"id": "S-1"}]}],
        "contracts": [{
            "id": "C-1", "awardID": "A-1", "title": f"Monitors, lot {number}",
            "period": {"startDate": "2027-03-01T00:00:00Z", "endDate": "2029-02-28T00:00:00Z"},
            **contract,
        }],
    }  # fmt: skip


def test_a_contract_the_use_case_refuses_is_reported_and_the_others_are_created(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    """Valid OCDS that the contract rules refuse (a contract already terminated, a value
    in tenths of a cent), in the middle of one batch: each is reported with the line and
    JSON pointer of the fact refused, nothing of it is written, the others are created
    and the audit trail still verifies."""
    lines = [
        _release(1),
        _release(2, status="terminated"),
        _release(3, value={"amount": 1000.005, "currency": "EUR"}),
        _release(4, value={"amount": 1000.05, "currency": "EUR"}),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    rows = imported(cli, str(path))
    assert {ref: row["action"] for ref, row in rows.items()} == {
        "ocds-exmpl1-b001/C-1": "created",
        "ocds-exmpl1-b002/C-1": "refused",
        "ocds-exmpl1-b003/C-1": "refused",
        "ocds-exmpl1-b004/C-1": "created",
    }
    assert rows["ocds-exmpl1-b002/C-1"]["note"] == (
        f"not created: {path} line 2 at /contracts/0/status: 'terminated' is not one of "
        "pending, active (`tracker contract end` ends a contract)"
    )
    assert rows["ocds-exmpl1-b003/C-1"]["note"] == (
        f"not created: {path} line 3 at /contracts/0/value/amount: "
        "1000.005 has more than two decimals"
    )
    listed = cli.ok("contract", "list", "--format", "json").json()
    assert sorted(c["reference"] for c in listed) == [
        "ocds-exmpl1-b001/C-1",
        "ocds-exmpl1-b004/C-1",
    ]
    with read_session(get_engine(tracker_env)) as s:
        trail = list(
            s.execute(
                select(col(AuditEvent.entity), col(AuditEvent.entity_id)).order_by(
                    col(AuditEvent.id)
                )
            )
        )
        ids = list(s.scalars(select(col(Contract.id)).order_by(col(Contract.id))))
    assert trail == [("supplier", trail[0][1])] + [("contract", str(i)) for i in ids]
    chain = cli.ok("audit", "verify", "--format", "json").json()
    assert (chain["ok"], chain["events_checked"]) == (True, 3)
    # Again: the refused ones are refused again, and nothing is written.
    again = imported(cli, str(path))
    assert again["ocds-exmpl1-b002/C-1"]["action"] == "refused"
    assert again["ocds-exmpl1-b004/C-1"]["action"] == "unchanged"
    assert count(tracker_env, AuditEvent) == 3


def test_a_publication_larger_than_one_batch_imports_whole_with_a_verified_trail(
    cli: Cli, tracker_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.contracts import register, suppliers
    from tracker.exchange import ocds_import

    for module in (register, suppliers, ocds_import):
        monkeypatch.setattr(module, "BATCH", 3)  # eight contracts: three batches
    lines = []
    for number in range(1, 9):
        release = _release(number)
        party = release["parties"][0]
        party["identifier"]["id"] = f"HRB {number % 3}"  # three suppliers, across batches
        party["name"] = f"Example Screens {number % 3}"
        lines.append(release)
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    rows = imported(cli, str(path))
    assert [r["action"] for r in rows.values()] == ["created"] * 8
    assert [r["supplier_action"] for r in rows.values()] == (
        ["created"] * 3 + ["matched by identifier"] * 5
    )
    assert count(tracker_env, Supplier) == 3
    chain = cli.ok("audit", "verify", "--format", "json").json()
    assert (chain["ok"], chain["events_checked"]) == (True, 11)
    assert {r["action"] for r in imported(cli, str(path)).values()} == {"unchanged"}
    assert count(tracker_env, AuditEvent) == 11
