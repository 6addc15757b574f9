"""Contracts from a spreadsheet: the template, every problem listed, nothing written when a
row is wrong, and CSV as Excel saves it; on both engines."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlmodel import col

from tests.cli import Cli
from tests.factories import HEADER as CLAUSE_HEADER
from tests.integration.exchange_world import CLAUSE
from tracker.db import get_engine, read_session
from tracker.models import AuditEvent, Contract, ContractClause, Supplier

HEADER = "reference,title,supplier_name,supplier_email,start_on,end_on,cpv_codes,clauses"
SIGNING_CLAUSE = (
    CLAUSE_HEADER.format(id="signing-clause")
    + """\
obligations:
  - id: code-of-conduct
    title: Sign the supplier code of conduct
    trigger: {type: contract_signed, offset: P10D}
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
    (library / "audit-clause.yaml").write_text(CLAUSE, encoding="utf-8")
    (library / "signing-clause.yaml").write_text(SIGNING_CLAUSE, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    runner = Cli(capsys, monkeypatch)
    runner.ok("init")
    return runner


def counts(url: str) -> list[int]:
    with read_session(get_engine(url)) as s:
        return [
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Contract, Supplier, ContractClause, AuditEvent)
        ]


def test_the_filled_in_template_registers_contracts_once(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    path = tmp_path / "contracts.xlsx"
    cli.ok("import", "template", "-o", str(path))
    book = load_workbook(path)
    sheet = book["contracts"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["reference", "title", "supplier_name"]
    assert "help" in book.sheetnames

    def row(**cells: object) -> list[object]:
        return [cells.get(str(name)) for name in header]

    sheet.append(
        row(
            reference="C-1", title="Notebooks", supplier_name="Exempel Datorer i Malmö AB",
            supplier_email="compliance@example.com", supplier_identifier="SE-BLV-5560000001",
            start_on="2027-03-01", end_on="2030-02-28", value=125000.5, currency="eur",
            cpv_codes="30213100 30231000", clauses="audit-clause",
        )
    )  # fmt: skip
    sheet.append(
        row(
            reference="C-2", title="Monitors", supplier_name="Exempel Datorer i Malmö AB",
            start_on="2027-04-01", end_on="2029-03-31", cpv_codes="30231000",
        )
    )  # fmt: skip
    book.save(path)
    rows = cli.ok("import", "contracts", str(path), "--format", "json").json()
    assert [(r["reference"], r["action"], r["supplier_action"]) for r in rows] == [
        ("C-1", "created", "created"),
        ("C-2", "created", "matched by name"),
    ]
    shown = cli.ok("contract", "show", "C-1", "--format", "json").json()
    assert shown["supplier"] == "Exempel Datorer i Malmö AB"
    assert shown["value_amount"] == "125000.50"
    assert shown["currency"] == "EUR"
    assert shown["cpv_codes"] == ["30213100", "30231000"]
    assert [c["clause_id"] for c in shown["clauses"]] == ["audit-clause"]
    before = counts(tracker_env)
    assert before[:3] == [2, 1, 1]
    again = cli.ok("import", "contracts", str(path), "--format", "json").json()
    assert [r["action"] for r in again] == ["exists", "exists"]
    assert counts(tracker_env) == before


def test_every_problem_is_listed_and_nothing_is_written(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "C-1,Notebooks,Example AB,compliance@example.com,2027-03-01,2030-02-28,30213100,",
                "C-2,Monitors,Example AB,,2027-03-01,2026-02-28,3023,",
                "C-3,Phones,Unknown Ltd,,2027-03-01,2029-01-01,,no-such-clause",
                "C-1,Again,Example AB,,1 March 2027,2029-01-01,,",
            ]
        ),
        encoding="utf-8",
    )
    result = cli("import", "contracts", str(path))
    assert result.code == 2
    where = "  contracts.csv row"
    assert result.err.splitlines()[:-1] == [
        f"{where} 3, column end_on: 2026-02-28 is before the start date 2027-03-01",
        f"{where} 3, column cpv_codes: '3023' is not a CPV code (8 digits, e.g. 30213100)",
        f"{where} 4, column clauses: no clause 'no-such-clause' in the library",
        f"{where} 4, column supplier_email: 'Unknown Ltd' is not registered: give its "
        "compliance contact",
        f"{where} 5, column start_on: '1 March 2027' is not a date; write YYYY-MM-DD",
        f"{where} 5, column reference: repeats row 2",
    ]
    lines = result.err.splitlines()
    assert lines[-1] == "error: 6 problems in the file; nothing was imported"
    assert counts(tracker_env) == [0, 0, 0, 0]  # the good first row was not imported either


def test_a_new_supplier_needs_its_contact_and_references_are_unique(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                "C-1,Notebooks,Example AB,compliance@example.com,2027-03-01,2030-02-28,,",
                "C-1,Phones,Unknown Ltd,,2027-03-01,2029-01-01,,",
            ]
        ),
        encoding="utf-8",
    )
    result = cli("import", "contracts", str(path))
    assert result.code == 2
    assert "contracts.csv row 3, column reference: repeats row 2" in result.err
    assert "row 3, column supplier_email: 'Unknown Ltd' is not registered" in result.err
    unsigned = tmp_path / "unsigned.csv"
    unsigned.write_text(
        HEADER + "\nC-1,Notebooks,Example AB,a@example.com,2027-03-01,2030-02-28,,signing-clause\n",
        encoding="utf-8",
    )
    refused = cli("import", "contracts", str(unsigned))
    assert refused.code == 2
    assert "unsigned.csv row 2, column clauses: signing-clause cannot be attached" in refused.err
    missing = tmp_path / "short.csv"
    missing.write_text("reference,title\nC-9,Servers\n", encoding="utf-8")
    short = cli("import", "contracts", str(missing))
    assert "short.csv row 1, column supplier_name: this column is missing" in short.err
    assert counts(tracker_env) == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("cp1252", ";", b""),  # Excel "CSV" on a Western European Windows
        ("utf-8", ",", codecs.BOM_UTF8),  # Excel "CSV UTF-8"
        ("utf-16-le", "\t", codecs.BOM_UTF16_LE),  # Excel "Unicode text"
    ],
    ids=["cp1252-semicolon", "utf8-bom", "utf16-tab"],
)
def test_csv_as_excel_saves_it(
    cli: Cli, tracker_env: str, tmp_path: Path, encoding: str, delimiter: str, bom: bytes
) -> None:
    text = io.StringIO()
    text.write(HEADER.replace(",", delimiter) + "\r\n")
    cells = ["C-1", "Bärbara datorer", "Exempel Datorer i Malmö AB", "compliance@example.com",
             "2027-03-01", "2030-02-28", "30213100", ""]  # fmt: skip
    text.write(delimiter.join(cells) + "\r\n")
    path = tmp_path / "contracts.csv"
    path.write_bytes(bom + text.getvalue().encode(encoding))
    rows = cli.ok("import", "contracts", str(path), "--format", "json").json()
    assert rows[0]["action"] == "created"
    with read_session(get_engine(tracker_env)) as s:
        assert s.scalars(select(col(Supplier.name))).one() == "Exempel Datorer i Malmö AB"
        assert s.scalars(select(col(Contract.title))).one() == "Bärbara datorer"


def test_a_dry_run_checks_and_writes_nothing(cli: Cli, tracker_env: str, tmp_path: Path) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text(
        HEADER + "\nC-1,Notebooks,Example AB,compliance@example.com,2027-03-01,2030-02-28,,\n",
        encoding="utf-8",
    )
    result = cli.ok("import", "contracts", str(path), "--dry-run")
    assert "would create" in result.out
    assert "dry run: nothing was written" in result.err
    assert counts(tracker_env) == [0, 0, 0, 0]


def test_a_registered_contract_is_updated_and_its_open_obligations_move(
    cli: Cli, tracker_env: str, tmp_path: Path
) -> None:
    path = tmp_path / "contracts.csv"
    row = "C-1,Notebooks,Example AB,compliance@example.com,{start},2030-02-28,30213100,{clauses}"
    path.write_text(
        HEADER + "\n" + row.format(start="2027-03-01", clauses="audit-clause"), encoding="utf-8"
    )
    cli.ok("import", "contracts", str(path))
    due = {
        o["obligation"]: o
        for o in cli.ok("obligations", "--contract", "C-1", "--format", "json").json()
    }
    waived = due["Disclose the factory list"]["id"]
    cli.ok("obligations", "waive", str(waived), "--reason", "Covered by the framework")
    # The buyer moved the start by a month and left the clauses cell empty this time.
    path.write_text(HEADER + "\n" + row.format(start="2027-04-01", clauses=""), encoding="utf-8")
    before = counts(tracker_env)
    [preview] = cli.ok("import", "contracts", str(path), "--dry-run", "--format", "json").json()
    assert preview["action"] == "would update"
    assert preview["changes"] == ["start_on: 2027-03-01 -> 2027-04-01"]
    assert counts(tracker_env) == before
    [done] = cli.ok("import", "contracts", str(path), "--format", "json").json()
    assert done["action"] == "updated"
    audit = due["Send the social audit report"]["id"]
    assert (
        f"moved {audit} Send the social audit report: 2027-03-31 -> 2027-05-01" in (done["changes"])
    )
    after = {
        o["obligation"]: o
        for o in cli.ok("obligations", "--contract", "C-1", "--format", "json").json()
    }
    assert after["Send the social audit report"]["due_on"] == "2027-05-01"
    assert after["Disclose the factory list"]["due_on"] == "2027-03-21"  # decided: stays
    assert cli.ok("contract", "show", "C-1", "--format", "json").json()["start_on"] == (
        "2027-04-01"
    )
    settled = counts(tracker_env)
    [again] = cli.ok("import", "contracts", str(path), "--format", "json").json()
    assert again["action"] == "exists"
    assert counts(tracker_env) == settled
