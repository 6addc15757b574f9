"""A compliance history for the demo portfolio: what a year of follow-up leaves behind.

For the demo contracts' obligations already due, evidence is submitted and reviewed at the
times it would have been (most on time, some late, a rejection, some never), a finding with
its corrective action plan is raised and an obligation is waived, all through the same
services a contract manager uses, so reports on the demo data read like real ones.
Deterministic for a given `now`, and done once: a second run finds evidence and stops.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from tracker.context import Context
from tracker.db import read_session
from tracker.domain.localtime import local_instant, zone
from tracker.evidence.review import Review, review_evidence
from tracker.evidence.submission import Submission, add_evidence
from tracker.findings import register as findings
from tracker.library.evidence_fields import DATE_FIELD
from tracker.library.schema import ClauseFile, EvidenceType
from tracker.models import ClauseVersion, Contract, ContractClause, Evidence, Obligation
from tracker.obligations import decisions

HOUR = 10  # submissions and reviews happen at 10:00 local time
REVIEWER = "contract.manager@example.com"
SUBMITTER = "supplier.compliance@example.com"
PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)


def _file(kind: EvidenceType, folder: Path, stem: str) -> Path | None:
    """A small real file in the first format the evidence type accepts that we can make."""
    formats = kind.accepted_formats or ["pdf"]
    for fmt in formats:
        path = folder / f"{stem}.{fmt}"
        if fmt == "pdf":
            path.write_bytes(PDF + f"% {stem}\n".encode())
        elif fmt in ("csv", "txt"):
            path.write_text(f"item,status\n{stem},ok\n", encoding="utf-8")
        elif fmt == "xlsx":
            from openpyxl import Workbook

            book = Workbook()
            book.active.append(["item", "status"])
            book.active.append([stem, "ok"])
            buffer = io.BytesIO()
            book.save(buffer)
            path.write_bytes(buffer.getvalue())
        elif fmt == "docx":
            from docx import Document

            document = Document()
            document.add_paragraph(f"Demo evidence {stem}")
            document.save(str(path))
        else:
            continue
        return path
    return None


def _fields(kind: EvidenceType, on: date, expires: date) -> dict[str, str]:
    values = {}
    for name in kind.required_fields:
        if name in ("expiry_date", "expires_on", "valid_until"):
            values[name] = expires.isoformat()
        elif DATE_FIELD.search(name):
            values[name] = on.isoformat()
        elif name.endswith(("_count", "_affected")):
            values[name] = "3"
        else:
            values[name] = f"demo {name.replace('_', ' ')}"
    return values


def _submit(
    ctx: Context,
    obligation: Obligation,
    clause: ClauseFile,
    tz: str,
    on: date,
    folder: Path,
    *,
    expires: date,
) -> int | None:
    template = clause.obligation(obligation.template_id)
    kinds = [clause.evidence_type(e) for e in template.evidence]
    kind = next((k for k in kinds if k is not None), None)
    if kind is None:
        return None
    path = _file(kind, folder, f"{obligation.id}-{kind.id}")
    url = None
    if path is None:
        if "url" not in kind.accepted_formats:
            return None
        url = f"https://example.com/evidence/{obligation.id}"
    submission = Submission(
        evidence_type=kind.id,
        files=[path] if path else [],
        url=url,
        fields=_fields(kind, on, expires),
        valid_until=expires if kind.has_validity else None,
        by=SUBMITTER,
    )
    added = add_evidence(
        replace(ctx, now=local_instant(on, HOUR, tz)), obligation.id or 0, submission
    )
    if not added or added[0].status != "submitted":  # accepted on submission (auto-validity)
        return None
    return added[0].id


def _review(
    ctx: Context,
    clause: ClauseFile,
    obligation: Obligation,
    evidence_id: int,
    at: datetime,
    *,
    accept: bool,
) -> None:
    checklist = clause.obligation(obligation.template_id).acceptance.checklist
    review = Review(
        accept=accept,
        reason=None if accept else "The document does not cover every product model supplied",
        checked=[str(n) for n in range(1, len(checklist) + 1)] if accept else [],
        by=REVIEWER,
    )
    review_evidence(replace(ctx, now=at), evidence_id, review)


def load_history(ctx: Context, references: list[str]) -> dict[str, int]:
    """Evidence, reviews, a finding and a waiver for obligations due before `now`."""
    done = {"evidence": 0, "accepted": 0, "rejected": 0, "findings": 0, "waived": 0}
    with read_session(ctx.engine) as session:
        contracts = session.scalars(
            select(Contract).where(col(Contract.reference).in_(references))
        ).all()
        ids = [c.id for c in contracts]
        if not ids or session.scalar(
            select(func.count()).select_from(Evidence).where(col(Evidence.contract_id).in_(ids))
        ):
            return done
        rows = session.execute(
            select(Obligation, col(ClauseVersion.body), col(Contract.timezone))
            .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
            .join(ClauseVersion, col(ClauseVersion.id) == col(ContractClause.clause_version_id))
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .where(col(Obligation.contract_id).in_(ids))
            .order_by(col(Obligation.due_on), col(Obligation.id))
        ).all()
    past = [
        (o, ClauseFile.model_validate(body), tz)
        for o, body, tz in rows
        if o.due_on < ctx.now.astimezone(zone(tz)).date() - timedelta(days=3)
        and o.status not in ("accepted", "superseded", "waived", "not_applicable")
    ]
    with tempfile.TemporaryDirectory(prefix="tracker-demo-") as tmp:
        folder = Path(tmp)
        for index, (obligation, clause, tz) in enumerate(past):
            pattern = index % 6
            if pattern == 5:
                continue  # never sent: stays overdue and escalates
            if pattern == 4 and not done["waived"]:
                decisions.waive(
                    replace(ctx, now=local_instant(obligation.due_on, HOUR, tz)),
                    obligation.id or 0,
                    reason="Lot 2 delivers no products made in the audited factory",
                    not_applicable=True,
                    by=REVIEWER,
                )
                done["waived"] += 1
                continue
            late = pattern == 2
            on = obligation.due_on + timedelta(days=9 if late else -4)
            # Certificates run a year; every other one expires soon after `now`, so the
            # reports have renewals coming up.
            soon = ctx.now.astimezone(zone(tz)).date() + timedelta(days=30 + 7 * index)
            expires = soon if index % 2 else on + timedelta(days=365)
            evidence_id = _submit(ctx, obligation, clause, tz, on, folder, expires=expires)
            if evidence_id is None:
                continue
            done["evidence"] += 1
            accept = pattern != 3
            _review(
                ctx,
                clause,
                obligation,
                evidence_id,
                local_instant(on + timedelta(days=2), HOUR, tz),
                accept=accept,
            )
            done["accepted" if accept else "rejected"] += 1
            if accept and not done["findings"] and "audit" in obligation.template_id:
                findings.add_finding(
                    replace(ctx, now=local_instant(on + timedelta(days=3), HOUR, tz)),
                    severity="major",
                    text="Audit found overtime above 60 hours a week in peak season",
                    obligation_id=obligation.id,
                    by=REVIEWER,
                )
                done["findings"] += 1
    last = contracts[-1]
    findings.add_finding(
        replace(ctx, now=ctx.now - timedelta(days=10)),
        severity="priority",
        text="A labour agency holds workers' passports at the assembly site",
        contract=last.reference,
        by=REVIEWER,
    )
    done["findings"] += 1
    return done
