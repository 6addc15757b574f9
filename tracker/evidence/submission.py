"""Log evidence for an obligation and review it.

Files go into the content-addressed store before the transaction (an interrupted upload
leaves at most an unreferenced file, never a row without its file); rows, the obligation's
new status and the audit events are then written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import read_session, write_session
from tracker.errors import BadInput
from tracker.evidence.renewals import Renewal
from tracker.evidence.review import decide_review
from tracker.evidence.store import EvidenceStore, StoredFile, clean_filename
from tracker.evidence.views import (
    EvidenceRow,
    EvidenceView,
    audit_view,
    evidence_row,
    evidence_view,
    get_row,
    public_view,
)
from tracker.library.evidence_fields import check_submission, check_url
from tracker.library.schema import EvidenceType
from tracker.models import Contract, Evidence, EvidenceStatus
from tracker.obligations.state import Held, hold, mark_submitted, refuse_if_closed

AUTO_REVIEWER = "system:auto-validity"


@dataclass(frozen=True)
class Submission:
    evidence_type: str
    files: list[Path] = field(default_factory=list)
    url: str | None = None
    name: str | None = None  # the original file name, when it differs from the path's
    fields: dict[str, str] = field(default_factory=dict)
    valid_from: date | None = None
    valid_until: date | None = None
    note: str | None = None
    by: str | None = None


@dataclass(frozen=True)
class SubmittedEvidence(EvidenceView):
    """A submitted row in its final state (accepted at once under auto-validity)."""

    obligation_status: str = ""
    renewals: list[Renewal] = field(default_factory=list)


def store_of(ctx: Context) -> EvidenceStore:
    return EvidenceStore(ctx.settings.evidence_dir, ctx.settings.evidence_max_bytes)


def evidence_type_for(held: Held, type_id: str) -> EvidenceType:
    """The clause's evidence type, if this obligation asks for it."""
    kind = held.clause.evidence_type(type_id)
    allowed = held.template.evidence or [e.id for e in held.clause.evidence_types]
    if kind is None or type_id not in allowed:
        raise BadInput(
            f"obligation {held.id} ({held.template.title}) takes "
            f"{', '.join(allowed) or 'no evidence types'}, not {type_id!r}",
            field="evidence_type",
        )
    return kind


def requirements(ctx: Context, obligation_id: int, type_id: str) -> EvidenceType:
    """What a submission of this type must say (the CLI asks for missing fields)."""
    with read_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "given evidence")
        return evidence_type_for(held, type_id)


def add_evidence(ctx: Context, obligation_id: int, sub: Submission) -> list[SubmittedEvidence]:
    """Store the files, record one evidence row per file (or the link), and move the
    obligation to `submitted`. Auto-validity clauses accept valid evidence at once; each
    row is returned once, in its final state."""
    if bool(sub.files) == bool(sub.url):
        raise BadInput(
            "give one or more files, or a link, but not both",
            field="url" if sub.url else "files",
        )
    if sub.name is not None and len(sub.files) != 1:
        raise BadInput("only with exactly one file", field="name")
    if sub.name is not None:
        try:
            clean_filename(sub.name)
        except BadInput as exc:
            raise BadInput(exc.message, field="name") from None
    kind = requirements(ctx, obligation_id, sub.evidence_type)
    checked = check_submission(
        kind, sub.fields, valid_from=sub.valid_from, valid_until=sub.valid_until
    )
    url = check_url(kind, sub.url) if sub.url else None
    stored: list[StoredFile] = []
    for path in sub.files:
        if not path.is_file():
            raise BadInput(f"{str(path)!r} is not a readable file", field="files")
        stored.append(
            store_of(ctx).put(
                path,
                original_name=sub.name or path.name,
                accepted_formats=kind.accepted_formats,
                type_label=kind.id,
            )
        )
    by = sub.by or ctx.actor
    views: list[tuple[Evidence, list[Renewal]]] = []
    with write_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "given evidence")
        today = held.today(ctx.now)
        rows = [
            Evidence(
                obligation_id=held.id,
                contract_id=held.obligation.contract_id,
                evidence_type=kind.id,
                sha256=s.sha256 if s else None,
                url=url,
                filename=s.original_name if s else None,
                media_type=s.media_type if s else None,
                size_bytes=s.size if s else None,
                fields=checked.fields,
                valid_from=checked.valid_from,
                valid_until=checked.valid_until,
                confidentiality=kind.confidentiality.value,
                note=sub.note,
                submitted_by=by,
                submitted_at=ctx.now,
                submitted_on=today,
            )
            for s in (list[StoredFile | None](stored) or [None])
        ]
        for row in rows:
            session.add(row)
            session.flush()
            audit.record(
                session,
                now=ctx.now,
                actor=by,
                entity="evidence",
                entity_id=row.id,
                contract_id=row.contract_id,
                action="submitted",
                after=audit_view(row),
            )
        mark_submitted(session, held, now=ctx.now, actor=by)
        auto = (
            held.template.acceptance.mode == "auto_validity"
            and checked.valid_until is not None
            and checked.valid_until >= today
            and (checked.valid_from is None or checked.valid_from <= today)
        )
        for row in rows:
            renewals: list[Renewal] = []
            if auto:
                renewals = decide_review(
                    ctx,
                    session,
                    held,
                    row,
                    accept=True,
                    reason="valid on submission",
                    checked=[],
                    resubmit_by=None,
                    by=AUTO_REVIEWER,
                ).renewals
            views.append((row, renewals))
        session.flush()
        return [
            SubmittedEvidence(
                **public_view(row), obligation_status=held.obligation.status, renewals=renewals
            )
            for row, renewals in views
        ]


def list_evidence(
    ctx: Context,
    *,
    obligation_id: int | None = None,
    contract: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[EvidenceRow]:
    if status is not None and status not in {s.value for s in EvidenceStatus}:
        allowed = ", ".join(s.value for s in EvidenceStatus)
        raise BadInput(f"{status!r} is not one of {allowed}", field="status")
    stmt: Any = select(Evidence).order_by(col(Evidence.id)).limit(limit)
    if obligation_id is not None:
        stmt = stmt.where(col(Evidence.obligation_id) == obligation_id)
    if status is not None:
        stmt = stmt.where(col(Evidence.status) == status)
    if contract is not None:
        stmt = stmt.join(Contract, col(Contract.id) == col(Evidence.contract_id)).where(
            col(Contract.reference) == contract
        )
    with read_session(ctx.engine) as session:
        return [evidence_row(r) for r in session.scalars(stmt).all()]


def show_evidence(ctx: Context, evidence_id: int) -> EvidenceView:
    with read_session(ctx.engine) as session:
        return evidence_view(get_row(session, evidence_id))


@dataclass(frozen=True)
class Exported:
    id: int
    written: str
    sha256: str
    size_bytes: int | None
    confidentiality: str


def export_evidence(ctx: Context, evidence_id: int, dest: Path) -> Exported:
    """Write the stored file to `dest`: the one command that hands out evidence content,
    restricted or not, and always audited."""
    if dest.is_dir():
        raise BadInput(f"{str(dest)!r} is a directory; give a file name", field="output")
    with write_session(ctx.engine) as session:
        row = get_row(session, evidence_id)
        if row.sha256 is None:
            raise BadInput(
                f"evidence {evidence_id} is a link ({row.url}), not a file", field="evidence_id"
            )
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="evidence",
            entity_id=row.id,
            contract_id=row.contract_id,
            action="exported",
            after={"to": str(dest), "sha256": row.sha256, "confidentiality": row.confidentiality},
        )
        # Written inside the transaction: if the copy fails, no export is recorded.
        store_of(ctx).export(row.sha256, dest)
    return Exported(evidence_id, str(dest), row.sha256, row.size_bytes, row.confidentiality)


@dataclass(frozen=True)
class FileProblem:
    evidence_id: int
    obligation_id: int
    sha256: str
    problem: str


def verify_files(ctx: Context) -> list[FileProblem]:
    """Re-hash every stored file; one row per evidence row whose file changed or vanished."""
    with read_session(ctx.engine) as session:
        pairs = session.execute(
            select(col(Evidence.sha256), col(Evidence.size_bytes))
            .where(col(Evidence.sha256).is_not(None))
            .distinct()
        ).all()
        problems = dict(store_of(ctx).verify_all((s, n) for s, n in pairs if s and n is not None))
        if not problems:
            return []
        rows = session.execute(
            select(col(Evidence.id), col(Evidence.sha256), col(Evidence.obligation_id))
            .where(col(Evidence.sha256).in_(problems))
            .order_by(col(Evidence.id))
        ).all()
    return [FileProblem(eid, oid, sha, problems[sha]) for eid, sha, oid in rows]
