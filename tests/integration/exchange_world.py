"""A small world for the exchange tests: one clause, one supplier, one contract, through the
real CLI on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.cli import Cli
from tests.factories import HEADER
from tracker.db import get_engine, read_session
from tracker.models import Obligation

CLAUSE = (
    HEADER.format(id="audit-clause")
    + """\
applies_to:
  cpv_prefixes: ["302"]
  ocds_sustainability_goals: [social.humanRightsInSupplyChains]
evidence_types:
  - id: factory-list
    label: Factory list
    accepted_formats: [csv, pdf]
    confidentiality: restricted
    ocds_document_type: supplyChainDisclosure
  - id: audit-report
    label: Social audit report
    accepted_formats: [pdf]
    confidentiality: public
    ocds_document_type: socialAuditReport
obligations:
  - id: factory-list
    title: Disclose the factory list
    trigger: {type: contract_start, offset: P20D}
    evidence: [factory-list]
    reminders: {before_due: [P14D, P3D]}
    ocds: {milestone_type: reporting}
  - id: audit
    title: Send the social audit report
    trigger: {type: contract_start, offset: P30D}
    evidence: [audit-report]
    acceptance: {mode: manual, resubmit_within: P10D}
    ocds: {milestone_type: assessment}
  - id: exit-plan
    title: Exit and take-back plan
    trigger: {type: contract_end, offset: -P90D}
"""
)
SUPPLIER = "compliance@example.com"
MANAGER = "manager@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BASE_URL = "https://tracker.example.com"


def world_cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    *,
    timezone: str = "America/New_York",
) -> Cli:
    """The database initialised, the clause in the user's library, one contract attached."""
    library = folder / "clauses"
    library.mkdir()
    (library / "audit-clause.yaml").write_text(CLAUSE, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    monkeypatch.setenv("TRACKER_BASE_URL", BASE_URL)
    # Plan the whole contract, so the exit plan near its end is an obligation too.
    monkeypatch.setenv("TRACKER_HORIZON_DAYS", "3660")
    cli = Cli(capsys, monkeypatch)
    cli.ok("init")
    cli.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    cli.ok(
        "contract", "add", "C-1", "--supplier", "1", "--title", "Notebooks",
        "--start", "2027-03-01", "--end", "2030-02-28", "--timezone", timezone,
        "--manager", MANAGER, "--cpv", "30213100", "--value", "125000", "--currency", "EUR",
    )  # fmt: skip
    cli.ok("contract", "attach", "C-1", "audit-clause", "--now", "2027-02-01T10:00:00+01:00")
    return cli


def obligation_id(url: str, template: str) -> int:
    with read_session(get_engine(url)) as s:
        found = s.scalars(
            select(col(Obligation.id))
            .where(col(Obligation.template_id) == template)
            .order_by(col(Obligation.id))
        ).first()
    assert found is not None
    return found


def pdf(folder: Path, name: str, extra: bytes = b"") -> Path:
    path = folder / name
    path.write_bytes(PDF + extra)
    return path
