"""OCDS 1.1 export: a release package with one `implementationUpdate` release per monitored
contract, each obligation a milestone and accepted evidence a document (DOMAIN.md §4.2).

The same data gives the same bytes: `publishedDate` is the newest change in the data (or
given), keys are sorted and lists ordered by id. Restricted evidence is never published;
internal evidence only by its type and hash, public evidence with its title.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.db import read_session
from tracker.domain.localtime import zone
from tracker.domain.status import ObligationStatus
from tracker.exchange.scope import Scope, contracts_in
from tracker.library.schema import ClauseFile, Confidentiality
from tracker.models import Contract, ContractClause, Evidence, EvidenceStatus, Obligation
from tracker.obligations.planning import ClauseCache

OCDS_VERSION = "1.1"
DEFAULT_OCID_PREFIX = "ocds-tracker"
PUBLISHER = "Clause Tracker"

# DOMAIN.md §4.2: the closed milestoneStatus codelist. Waived, not applicable and superseded
# duties have no code: they are published with a null status (so a compiled release does
# not keep an older "scheduled") and say why in the description.
MILESTONE_STATUS = {
    ObligationStatus.UPCOMING.value: "scheduled",
    ObligationStatus.DUE.value: "scheduled",
    ObligationStatus.SUBMITTED.value: "scheduled",
    ObligationStatus.ACCEPTED.value: "met",
    ObligationStatus.OVERDUE.value: "notMet",
    ObligationStatus.REJECTED.value: "notMet",
}
DEFAULT_DOCUMENT_TYPE = "physicalProgressReport"


@dataclass(frozen=True, slots=True)
class OcdsExport:
    content: bytes
    releases: int
    milestones: int
    documents: int
    published_date: str


def export_ocds(
    ctx: Context,
    *,
    contract: str | None = None,
    since: date | None = None,
    published: datetime | None = None,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    publisher: str = PUBLISHER,
    uri: str | None = None,
) -> OcdsExport:
    """The release package of the contracts with attached clauses (one, or all); with `since`,
    only contracts whose obligations or evidence changed on or after that day (UTC)."""
    if published is not None and published.tzinfo is None:
        raise ValueError("published must be timezone-aware")
    with read_session(ctx.engine) as session:
        releases = []
        for row in contracts_in(session, Scope(contract=contract)):
            release = _release(session, row, ocid_prefix=ocid_prefix)
            if release is None:
                continue
            if since is not None and release["date"] < _stamp(_day_start(since)):
                continue
            releases.append(release)
    releases.sort(key=lambda r: (r["ocid"], r["id"]))
    newest = max((r["date"] for r in releases), default=None)
    published_date = _stamp(published) if published is not None else newest or _stamp(ctx.now)
    package = {
        "uri": uri or f"{ctx.settings.base_url.rstrip('/')}/ocds/release-package.json",
        "publisher": {"name": publisher},
        "publishedDate": published_date,
        "version": OCDS_VERSION,
        "releases": releases,
    }
    content = json.dumps(package, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return OcdsExport(
        content=content.encode("utf-8"),
        releases=len(releases),
        milestones=sum(len(_implementation(r)["milestones"]) for r in releases),
        documents=sum(len(_implementation(r)["documents"]) for r in releases),
        published_date=published_date,
    )


def _implementation(release: dict[str, Any]) -> dict[str, Any]:
    implementation: dict[str, Any] = release["contracts"][0]["implementation"]
    return implementation


def split_reference(reference: str, *, ocid_prefix: str) -> tuple[str, str]:
    """The ocid and contract id of a contract: an imported one keeps those it came with
    (`<ocid>/<contract id>`); others get an ocid from the prefix and their reference."""
    ocid, sep, contract_id = reference.rpartition("/")
    if sep and ocid.startswith("ocds-") and contract_id:
        return ocid, contract_id
    return f"{ocid_prefix}-{reference}", reference


def _release(session: Session, contract: Contract, *, ocid_prefix: str) -> dict[str, Any] | None:
    assert contract.id is not None
    cache = ClauseCache(session)
    rows = list(
        session.execute(
            select(Obligation, ContractClause)
            .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
            .where(col(Obligation.contract_id) == contract.id)
            .order_by(col(Obligation.id))
        )
    )
    if not rows:  # not monitored: no clause attached, nothing planned
        return None
    clauses = {a.id: cache(a.clause_version_id) for _, a in rows}
    milestones = [_milestone(o, clauses[a.id], a.clause_id, contract.timezone) for o, a in rows]
    evidence = list(
        session.scalars(
            select(Evidence)
            .where(
                col(Evidence.contract_id) == contract.id,
                col(Evidence.status) == EvidenceStatus.ACCEPTED.value,
                col(Evidence.confidentiality) != Confidentiality.RESTRICTED.value,
            )
            .order_by(col(Evidence.id))
        )
    )
    clause_of = {o.id: clauses[a.id] for o, a in rows}
    documents = [_document(e, clause_of.get(e.obligation_id)) for e in evidence]
    changed = [o.updated_at for o, _ in rows] + [
        e.reviewed_at for e in evidence if e.reviewed_at is not None
    ]
    when = _stamp(max(changed))
    ocid, contract_id = split_reference(contract.reference, ocid_prefix=ocid_prefix)
    return {
        "ocid": ocid,
        "id": f"{ocid}-implementation-{when.replace('-', '').replace(':', '')}",
        "date": when,
        "tag": ["implementationUpdate"],
        "initiationType": "tender",
        "contracts": [
            {
                "id": contract_id,
                # The award is not kept; a contract is its own award unless imported with one.
                "awardID": contract_id,
                "title": contract.title,
                "status": contract.status,
                "implementation": {"milestones": milestones, "documents": documents},
            }
        ],
    }


def _milestone(o: Obligation, clause: ClauseFile, clause_id: str, tz: str) -> dict[str, Any]:
    template = clause.obligation(o.template_id)
    kind = template.ocds.milestone_type if template.ocds and template.ocds.milestone_type else None
    code = template.ocds.milestone_code if template.ocds and template.ocds.milestone_code else None
    milestone: dict[str, Any] = {
        "id": f"obligation-{o.id}",
        "title": o.title,
        "type": kind or "reporting",
        "code": code or f"ethics:{clause_id}:{o.template_id}",
        # The deadline is the whole due day in the contract's timezone.
        "dueDate": _local(o.due_on, time(23, 59, 59), tz),
        "dateModified": _stamp(o.updated_at),
        "status": MILESTONE_STATUS.get(o.status),
    }
    if o.met_on is not None and o.status == ObligationStatus.ACCEPTED.value:
        milestone["dateMet"] = _local(o.met_on, time(0, 0), tz)
    if o.status not in MILESTONE_STATUS:
        milestone["description"] = f"{o.status.replace('_', ' ').capitalize()}" + (
            f": {o.decision_reason}" if o.decision_reason else ""
        )
    return milestone


def _document(e: Evidence, clause: ClauseFile | None) -> dict[str, Any]:
    kind = clause.evidence_type(e.evidence_type) if clause else None
    facts = [f"Evidence for milestone obligation-{e.obligation_id}"]
    if e.sha256:
        facts.append(f"SHA-256 {e.sha256}")
    document: dict[str, Any] = {
        "id": f"evidence-{e.id}",
        "documentType": (kind.ocds_document_type if kind else None) or DEFAULT_DOCUMENT_TYPE,
        "title": kind.label if kind else e.evidence_type,
        "description": ". ".join(facts) + ".",
        "datePublished": _stamp(e.reviewed_at or e.submitted_at),
    }
    if e.media_type:
        document["format"] = e.media_type
    # Only public evidence shows where it is; internal evidence is named by type and hash.
    if e.confidentiality == Confidentiality.PUBLIC.value and e.url:
        document["url"] = e.url
    return document


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(day: date, at: time, tz: str) -> str:
    return datetime.combine(day, at, tzinfo=zone(tz)).isoformat()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
