"""Evidence as a page shows it: restricted content only to roles allowed to see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.evidence.download import may_download
from tracker.evidence.views import HIDDEN
from tracker.library.schema import Confidentiality
from tracker.models import Evidence
from tracker.people.roles import Person


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    obligation_id: int
    evidence_type: str
    status: str
    confidentiality: str
    file: str | None
    url: str | None
    size_bytes: int | None
    fields: dict[str, str]
    valid_from: date | None
    valid_until: date | None
    note: str | None
    submitted_by: str
    submitted_on: date
    reviewed_by: str | None
    review_reason: str | None
    checklist: dict[str, bool] | None
    resubmit_by: date | None
    hidden: bool  # restricted content withheld from this person
    downloadable: bool  # a file this person may download


def evidence_row(
    row: Evidence, *, may_see_restricted: bool, person: Person, manager_email: str | None
) -> EvidenceRow:
    assert row.id is not None
    hide = row.confidentiality == Confidentiality.RESTRICTED and not may_see_restricted
    return EvidenceRow(
        id=row.id,
        obligation_id=row.obligation_id,
        evidence_type=row.evidence_type,
        status=row.status,
        confidentiality=row.confidentiality,
        file=HIDDEN if hide and row.filename else row.filename,
        url=HIDDEN if hide and row.url else row.url,
        size_bytes=row.size_bytes,
        fields={k: HIDDEN for k in row.fields} if hide else dict(row.fields),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        note=HIDDEN if hide and row.note else row.note,
        submitted_by=row.submitted_by,
        submitted_on=row.submitted_on,
        reviewed_by=row.reviewed_by,
        review_reason=HIDDEN if hide and row.review_reason else row.review_reason,
        checklist=row.checklist,
        resubmit_by=row.resubmit_by,
        hidden=hide,
        downloadable=row.sha256 is not None
        and may_download(person, confidentiality=row.confidentiality, manager_email=manager_email),
    )
