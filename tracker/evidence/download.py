"""Handing out an evidence file to a signed-in person: who may, and an audit event each time.

A restricted file (factory lists...) goes only to the contract's manager, a reviewer or an
admin (`Action.DOWNLOAD_RESTRICTED`); any other file to whoever may read the contract. The
file is found by the SHA-256 its row holds, never by anything the request says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker.audit import chain as audit
from tracker.context import Context
from tracker.db import write_session
from tracker.errors import Failure, NotFound
from tracker.evidence.submission import store_of
from tracker.library.schema import Confidentiality
from tracker.models import Contract, Evidence
from tracker.people.roles import Action, Forbidden, Person, may_on_contract


@dataclass(frozen=True)
class EvidenceFile:
    """What a door needs to send the file: where it is stored and what to call it."""

    evidence_id: int
    path: Path
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    confidentiality: str


def may_download(person: Person, *, confidentiality: str, manager_email: str | None) -> bool:
    """Whether `person` may have the file of evidence with this confidentiality on a contract
    managed by `manager_email`."""
    action = (
        Action.DOWNLOAD_RESTRICTED if confidentiality == Confidentiality.RESTRICTED else Action.READ
    )
    return may_on_contract(person, action, manager_email=manager_email)


def open_evidence_file(ctx: Context, person: Person, evidence_id: int) -> EvidenceFile:
    """The stored file of evidence `evidence_id` for `person`, after writing the audit event
    ("downloaded", actor `ctx.actor`) for it: NotFound for no such evidence or a link,
    Forbidden for someone who may not have it, Failure if the file is gone from the store."""
    with write_session(ctx.engine) as session:
        row = session.get(Evidence, evidence_id)
        if row is None:
            raise NotFound(f"there is no evidence {evidence_id}", field="evidence_id")
        contract = session.get(Contract, row.contract_id)
        assert contract is not None  # a foreign key
        if not may_download(
            person, confidentiality=row.confidentiality, manager_email=contract.manager_email
        ):
            raise Forbidden(
                "the file of restricted evidence is only for the contract's manager, "
                "a reviewer or an admin"
            )
        if row.sha256 is None or row.size_bytes is None:
            raise NotFound(
                f"evidence {evidence_id} is a link, not a file; follow the link instead",
                field="evidence_id",
            )
        path = store_of(ctx).path_of(row.sha256)
        if not path.is_file():
            raise Failure(f"the file of evidence {evidence_id} is missing from the evidence store")
        # Every file handed out is recorded, restricted or not, as `tracker evidence export`
        # does. A restricted file's name stays out of the trail, as on submission.
        after: dict[str, object] = {"sha256": row.sha256, "confidentiality": row.confidentiality}
        if row.confidentiality != Confidentiality.RESTRICTED:
            after["filename"] = row.filename
        audit.record(
            session,
            now=ctx.now,
            actor=ctx.actor,
            entity="evidence",
            entity_id=evidence_id,
            contract_id=row.contract_id,
            action="downloaded",
            after=after,
        )
    return EvidenceFile(
        evidence_id=evidence_id,
        path=path,
        filename=row.filename or f"evidence-{evidence_id}",
        media_type=row.media_type or "application/octet-stream",
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        confidentiality=row.confidentiality,
    )
