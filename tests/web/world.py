"""A small world for page tests: a clause, two contracts with different managers, one person
per role, some evidence (one piece restricted) and a message in the outbox."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import col

from tests.cli import Cli
from tests.factories import HEADER
from tracker.config import get_settings
from tracker.db import get_engine, read_session
from tracker.models import (
    Contract,
    ContractEvent,
    Evidence,
    Finding,
    Obligation,
    OutboxMessage,
    ProductModel,
    ReportRun,
    ReportSchedule,
)
from tracker.web.app import create_app

CLAUSE = (
    HEADER.format(id="web-clause")
    + """\
evidence_types:
  - id: certificate
    label: Facility certificate
    accepted_formats: [pdf]
    required_fields: [certificate_number]
    confidentiality: public
  - id: factory-list
    label: Factory list
    accepted_formats: [csv]
    required_fields: [site_count]
    confidentiality: restricted
obligations:
  - id: certificate
    title: Send the facility certificate
    trigger: {type: contract_start, offset: P10D}
    evidence: [certificate]
  - id: factory-list
    title: Disclose the factory list
    trigger: {type: contract_start, offset: P20D}
    evidence: [factory-list]
  - id: audit
    title: Send the social audit report
    trigger: {type: contract_start, offset: P30D}
    evidence: [certificate]
    acceptance:
      mode: checklist
      checklist: ["All supplied models covered", "Signed by the auditor"]
"""
)
PASSWORD = "a long enough passphrase"
SUPPLIER = "compliance@example.com"
SECRET = "SECRET-SITE-Line-7"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOW = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)
CLI_NOW = "2027-03-05T10:00:00+01:00"

ROLES = ("admin", "manager", "reviewer", "auditor", "viewer")


def email_of(role: str) -> str:
    return f"{role}@example.com"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    cli: Cli
    tmp: Path
    url: str
    clock: Clock = field(default_factory=Clock)

    def app(self) -> FastAPI:
        get_settings.cache_clear()
        return create_app(get_settings(), clock=self.clock)

    def obligation(self, reference: str, template: str) -> int:
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(
                select(col(Obligation.id)).where(
                    col(Obligation.template_id) == template,
                    col(Obligation.contract_id) == self.contract_id(reference),
                )
            ).first()
        assert found is not None
        return found

    def contract_id(self, reference: str) -> int:
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(
                select(col(Contract.id)).where(col(Contract.reference) == reference)
            ).first()
        assert found is not None
        return found

    def record_ids(self, reference: str) -> dict[str, object]:
        """Values for the path parameters of routes on other records than contracts,
        obligations and evidence: the supplier of both contracts, its first contact, the
        contract's first finding (recorded here when it has none)."""
        return {
            "supplier_id": 1,
            "contact_id": 1,
            "finding_id": self.finding(reference),
            "clause_id": "web-clause",
            "run_id": self.report_run(),
            "schedule_id": self.report_schedule(),
            "model_id": self.product_model(reference),
            "event_id": self.event(reference),
        }

    def product_model(self, reference: str) -> int:
        """The contract's first product model (added here when it has none)."""
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(
                select(col(ProductModel.id))
                .where(col(ProductModel.contract_id) == self.contract_id(reference))
                .order_by(col(ProductModel.id))
            ).first()
        if found is not None:
            return found
        self.cli.ok(
            "contract", "model", "add", reference, "--manufacturer", "Example",
            "--name", f"Model of {reference}", "--product-type", "notebook",
            "--first-delivery-on", "2027-03-10", "--now", CLI_NOW,
        )  # fmt: skip
        return self.product_model(reference)

    def event(self, reference: str) -> int:
        """The contract's first event (a breach reported, recorded here when it has none)."""
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(
                select(col(ContractEvent.id))
                .where(col(ContractEvent.contract_id) == self.contract_id(reference))
                .order_by(col(ContractEvent.id))
            ).first()
        if found is not None:
            return found
        self.cli.ok(
            "contract", "event", reference, "breach_reported", "--on", "2027-03-02",
            "--note", "Overtime over the limit", "--now", CLI_NOW,
        )  # fmt: skip
        return self.event(reference)

    def report_run(self) -> int:
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(select(col(ReportRun.id)).order_by(col(ReportRun.id))).first()
        if found is not None:
            return found
        self.cli.ok("report", "--scope", "portfolio", "--period", "2027-Q1",
                    "-o", str(self.tmp / "q1.html"), "--now", CLI_NOW)  # fmt: skip
        return self.report_run()

    def report_schedule(self) -> int:
        """An active schedule (the route test removes one per role: a new one each time)."""
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(
                select(col(ReportSchedule.id))
                .where(col(ReportSchedule.active))
                .order_by(col(ReportSchedule.id))
            ).first()
        if found is not None:
            return found
        self.cli.ok("report", "schedule", "add", "--every", "quarter", "--scope", "portfolio",
                    "--to", "board@example.com", "--format", "pdf", "--now", CLI_NOW)  # fmt: skip
        return self.report_schedule()

    def finding(self, reference: str) -> int:
        with read_session(get_engine(self.url)) as s:
            found = s.scalars(
                select(col(Finding.id))
                .where(col(Finding.contract_id) == self.contract_id(reference))
                .order_by(col(Finding.id))
            ).first()
        if found is not None:
            return found
        self.cli.ok(
            "finding", "add", "--severity", "minor", "--text", "Two sites were not listed",
            "--contract", reference, "--now", CLI_NOW,
        )  # fmt: skip
        return self.finding(reference)

    def evidence(self) -> list[Evidence]:
        with read_session(get_engine(self.url)) as s:
            return list(s.scalars(select(Evidence).order_by(col(Evidence.id))))

    def outbox(self) -> list[OutboxMessage]:
        with read_session(get_engine(self.url)) as s:
            return list(s.scalars(select(OutboxMessage).order_by(col(OutboxMessage.id))))


def build(
    cli: Cli, tmp: Path, url: str, monkeypatch: pytest.MonkeyPatch, *, evidence: bool = True
) -> World:
    library = tmp / "clauses"
    library.mkdir()
    (library / "web-clause.yaml").write_text(CLAUSE, encoding="utf-8")
    monkeypatch.setenv("TRACKER_CLAUSE_PATH", str(library))
    monkeypatch.setenv("TRACKER_EVIDENCE_DIR", str(tmp / "evidence"))
    monkeypatch.setenv("TRACKER_SECRET_KEY", "k" * 40)
    cli.ok("init")
    cli.ok("supplier", "add", "Example Devices AB", "--email", SUPPLIER)
    for ref, manager in (("C-1", email_of("manager")), ("C-2", "someone.else@example.com")):
        cli.ok(
            "contract", "add", ref, "--supplier", "1", "--title", f"Notebooks {ref}",
            "--start", "2027-03-01", "--end", "2030-02-28", "--timezone", "Europe/Berlin",
            "--manager", manager,
        )  # fmt: skip
        cli.ok("contract", "attach", ref, "web-clause", "--now", "2027-02-01T10:00:00+01:00")
    for role in ROLES:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        extra = ["--expires", "2099-12-31"] if role == "auditor" else []
        cli.ok("user", "add", email_of(role), "--role", role, "--password-stdin", *extra)
    world = World(cli=cli, tmp=tmp, url=url)
    if evidence:
        for ref in ("C-1", "C-2"):
            csv = tmp / f"factories-{ref}.csv"
            csv.write_text(f"site,city\n{SECRET},Shenzhen\n", encoding="utf-8")
            cli.ok(
                "evidence", "add", str(world.obligation(ref, "factory-list")), str(csv),
                "--type", "factory-list", "--field", "site_count=1", "--now", CLI_NOW,
            )  # fmt: skip
    return world


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, "the page has no form token"
    return match.group(1)


def sign_in(app: FastAPI, email: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, follow_redirects=False, client=("10.0.0.9", 50000))
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
    )
    assert response.status_code == 303, response.text
    return client
