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
from tracker.evidence.review import decide_review
from tracker.evidence.store import EvidenceStore, StoredFile, clean_filename
from tracker.evidence.views import audit_view, get_row, public_view
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


def store_of(ctx: Context) -> EvidenceStore:
    return EvidenceStore(ctx.settings.evidence_dir, ctx.settings.evidence_max_bytes)


def evidence_type_for(held: Held, type_id: str) -> EvidenceType:
    """The clause's evidence type, if this obligation asks for it."""
    kind = held.clause.evidence_type(type_id)
    allowed = held.template.evidence or [e.id for e in held.clause.evidence_types]
    if kind is None or type_id not in allowed:
        raise BadInput(
            f"--type: obligation {held.id} ({held.template.title}) takes "
            f"{', '.join(allowed) or 'no evidence types'}, not {type_id!r}"
        )
    return kind


def requirements(ctx: Context, obligation_id: int, type_id: str) -> EvidenceType:
    """What a submission of this type must say (the CLI asks for missing fields)."""
    with read_session(ctx.engine) as session:
        held = hold(session, obligation_id)
        refuse_if_closed(held, "given evidence")
        return evidence_type_for(held, type_id)


def add_evidence(ctx: Context, obligation_id: int, sub: Submission) -> list[dict[str, Any]]:
    """Store the files, record one evidence row per file (or the link), and move the
    obligation to `submitted`. Auto-validity clauses accept valid evidence at once."""
    if bool(sub.files) == bool(sub.url):
        raise BadInput("FILE: give one or more files, or --url, but not both")
    if sub.name is not None and len(sub.files) != 1:
        raise BadInput("--name: only with exactly one FILE")
    if sub.name is not None:
        try:
            clean_filename(sub.name)
        except BadInput as exc:
            raise BadInput(f"--name: {str(exc).removeprefix('FILE: ')}") from None
    kind = requirements(ctx, obligation_id, sub.evidence_type)
    checked = check_submission(
        kind, sub.fields, valid_from=sub.valid_from, valid_until=sub.valid_until
    )
    url = check_url(kind, sub.url) if sub.url else None
    stored: list[StoredFile] = []
    for path in sub.files:
        if not path.is_file():
            raise BadInput(f"FILE: {str(path)!r} is not a readable file")
        stored.append(
            store_of(ctx).put(
                path,
                original_name=sub.name or path.name,
                accepted_formats=kind.accepted_formats,
                type_label=kind.id,
            )
        )
    by = sub.by or ctx.actor
    views = []
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
            view = public_view(row)
            if auto:
                view["review"] = decide_review(
                    ctx,
                    session,
                    held,
                    row,
                    accept=True,
                    reason="valid on submission",
                    checked=[],
                    resubmit_by=None,
                    by=AUTO_REVIEWER,
                )
            views.append(view)
    return views


def list_evidence(
    ctx: Context,
    *,
    obligation_id: int | None = None,
    contract: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    if status is not None and status not in {s.value for s in EvidenceStatus}:
        allowed = ", ".join(s.value for s in EvidenceStatus)
        raise BadInput(f"--status: {status!r} is not one of {allowed}")
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
        rows = session.scalars(stmt).all()
    keep = (
        "id",
        "obligation_id",
        "type",
        "status",
        "confidentiality",
        "file",
        "url",
        "valid_until",
        "submitted_by",
        "submitted_on",
        "reviewed_by",
    )
    return [{k: v for k, v in public_view(r).items() if k in keep} for r in rows]


def show_evidence(ctx: Context, evidence_id: int) -> dict[str, Any]:
    with read_session(ctx.engine) as session:
        return public_view(get_row(session, evidence_id))


def export_evidence(ctx: Context, evidence_id: int, dest: Path) -> dict[str, Any]:
    """Write the stored file to `dest`: the one command that hands out evidence content,
    restricted or not, and always audited."""
    if dest.is_dir():
        raise BadInput(f"-o: {str(dest)!r} is a directory; give a file name")
    with write_session(ctx.engine) as session:
        row = get_row(session, evidence_id)
        if row.sha256 is None:
            raise BadInput(f"EVIDENCE_ID: evidence {evidence_id} is a link ({row.url}), not a file")
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
    return {
        "id": evidence_id,
        "written": str(dest),
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
        "confidentiality": row.confidentiality,
    }


def verify_files(ctx: Context) -> list[dict[str, Any]]:
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
    return [
        {"evidence_id": eid, "obligation_id": oid, "sha256": sha, "problem": problems[sha]}
        for eid, sha, oid in rows
    ]
