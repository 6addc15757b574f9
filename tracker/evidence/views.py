"""How evidence rows are shown and audited: restricted content never leaves here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from tracker.errors import BadInput
from tracker.library.schema import Confidentiality
from tracker.models import Evidence

HIDDEN = "[restricted]"


def audit_view(row: Evidence) -> dict[str, Any]:
    """What the audit trail keeps of a submission: for restricted evidence, the hash and
    dates but not its field values or file name."""
    view = {
        "obligation_id": row.obligation_id,
        "evidence_type": row.evidence_type,
        "sha256": row.sha256,
        "size_bytes": row.size_bytes,
        "url": row.url,
        "valid_from": row.valid_from,
        "valid_until": row.valid_until,
        "confidentiality": row.confidentiality,
        "status": row.status,
    }
    if row.confidentiality != Confidentiality.RESTRICTED:
        view |= {"filename": row.filename, "fields": row.fields, "note": row.note}
    return view


def public_view(row: Evidence) -> dict[str, Any]:
    """An evidence row as commands print it; restricted content is withheld."""
    restricted = row.confidentiality == Confidentiality.RESTRICTED
    return {
        "id": row.id,
        "obligation_id": row.obligation_id,
        "type": row.evidence_type,
        "status": row.status,
        "confidentiality": row.confidentiality,
        "file": HIDDEN if restricted and row.filename else row.filename,
        "url": HIDDEN if restricted and row.url else row.url,
        "media_type": row.media_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "fields": {k: HIDDEN for k in row.fields} if restricted else row.fields,
        "valid_from": row.valid_from.isoformat() if row.valid_from else None,
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
        "note": HIDDEN if restricted and row.note else row.note,
        "submitted_by": row.submitted_by,
        "submitted_on": row.submitted_on.isoformat(),
        "reviewed_by": row.reviewed_by,
        "review_reason": row.review_reason,
        "checklist": row.checklist,
        "resubmit_by": row.resubmit_by.isoformat() if row.resubmit_by else None,
        "renewal_obligation_id": row.renewal_obligation_id,
    }


@dataclass(frozen=True)
class EvidenceView:
    """An evidence row as every door shows it (restricted content already withheld)."""

    id: int
    obligation_id: int
    type: str
    status: str
    confidentiality: str
    file: str | None
    url: str | None
    media_type: str | None
    size_bytes: int | None
    sha256: str | None
    fields: dict[str, Any]
    valid_from: str | None
    valid_until: str | None
    note: str | None
    submitted_by: str
    submitted_on: str
    reviewed_by: str | None
    review_reason: str | None
    checklist: dict[str, bool] | None
    resubmit_by: str | None
    renewal_obligation_id: int | None


def evidence_view(row: Evidence) -> EvidenceView:
    return EvidenceView(**public_view(row))


@dataclass(frozen=True)
class EvidenceRow:
    """One line of an evidence listing."""

    id: int
    obligation_id: int
    type: str
    status: str
    confidentiality: str
    file: str | None
    url: str | None
    valid_until: str | None
    submitted_by: str
    submitted_on: str
    reviewed_by: str | None


def evidence_row(row: Evidence) -> EvidenceRow:
    view = public_view(row)
    return EvidenceRow(**{k: view[k] for k in EvidenceRow.__dataclass_fields__})


def get_row(session: Session, evidence_id: int) -> Evidence:
    row = session.get(Evidence, evidence_id)
    if row is None:
        raise BadInput(f"no evidence {evidence_id}", field="evidence_id")
    return row
