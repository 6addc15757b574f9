"""Each delivered model's latest accepted certificate per certificate scheme (per-model
clause), for `tracker contract model list`; the scheme's lookup link for its number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.contracts.register import get_by_reference
from tracker.db import read_session
from tracker.domain.schedule import local_today
from tracker.models import (
    Contract,
    ContractClause,
    Evidence,
    EvidenceStatus,
    Obligation,
    ProductModel,
)
from tracker.obligations.planning import ClauseCache


@dataclass(frozen=True, slots=True)
class ModelCertificate:
    """A model's standing under one per-model clause: its latest accepted certificate."""

    model_id: int
    contract: str
    manufacturer: str
    name: str
    product_type: str
    retired_on: date | None
    scheme: str  # the clause id, e.g. tco-certified-valid
    certificate_number: str | None
    generation: str | None
    valid_until: date | None
    lookup_url: str | None
    # valid | expired | missing (no accepted certificate yet)
    standing: str


def model_certificates(
    ctx: Context, reference: str | None = None, *, on: date | None = None
) -> list[ModelCertificate]:
    """Every model's standing under each per-model clause of its contract (all contracts
    if `reference` is None): its latest accepted certificate and whether it is valid on
    `on` (default: the contract's today)."""
    with read_session(ctx.engine) as session:
        stmt = select(Contract).order_by(col(Contract.reference))
        if reference is not None:
            stmt = stmt.where(col(Contract.id) == get_by_reference(session, reference).id)
        cache = ClauseCache(session)
        found: list[ModelCertificate] = []
        for contract in session.scalars(stmt):
            found += _certificates(
                session, contract, cache, on or local_today(ctx.now, contract.timezone)
            )
        return found


def lookup_link(template: str | None, number: object) -> str | None:
    """The scheme's public lookup page for a certificate number (encoded into the address)."""
    if not template or number is None or str(number) == "":
        return None
    return template.replace("{certificate_number}", quote(str(number), safe=""))


def _certificates(
    session: Session, contract: Contract, cache: ClauseCache, today: date
) -> list[ModelCertificate]:
    models = list(
        session.scalars(
            select(ProductModel)
            .where(col(ProductModel.contract_id) == contract.id)
            .order_by(col(ProductModel.id))
        )
    )
    if not models:
        return []
    attached = session.scalars(
        select(ContractClause).where(
            col(ContractClause.contract_id) == contract.id,
            col(ContractClause.detached_at).is_(None),
        )
    )
    found: list[ModelCertificate] = []
    for attachment in attached:
        clause = cache(attachment.clause_version_id)
        kinds = {e for t in clause.obligations if t.per_model for e in t.evidence}
        if not kinds:
            continue
        latest = latest_certificates(session, attachment, [m.id or 0 for m in models], kinds)
        for model in models:
            assert model.id is not None
            evidence = latest.get(model.id)
            fields = (evidence.fields if evidence else None) or {}
            number = fields.get("certificate_number")
            kind = clause.evidence_type(evidence.evidence_type) if evidence else None
            url = lookup_link(kind.lookup_url if kind else None, number)
            valid_until = evidence.valid_until if evidence else None
            standing = (
                "missing"
                if evidence is None
                else "expired"
                if valid_until is not None and valid_until < today
                else "valid"
            )
            found.append(
                ModelCertificate(
                    model_id=model.id,
                    contract=contract.reference,
                    manufacturer=model.manufacturer,
                    name=model.name,
                    product_type=model.product_type,
                    retired_on=model.retired_on,
                    scheme=clause.id,
                    certificate_number=str(number) if number is not None else None,
                    generation=str(fields["generation"]) if "generation" in fields else None,
                    valid_until=valid_until,
                    lookup_url=url,
                    standing=standing,
                )
            )
    return found


def latest_certificates(
    session: Session, attachment: ContractClause, model_ids: list[int], kinds: set[str]
) -> dict[int, Evidence]:
    rows = session.execute(
        select(col(Obligation.product_model_id), Evidence)
        .join(Evidence, col(Evidence.obligation_id) == col(Obligation.id))
        .where(
            col(Obligation.contract_clause_id) == attachment.id,
            col(Obligation.product_model_id).in_(model_ids),
            col(Evidence.status) == EvidenceStatus.ACCEPTED.value,
            col(Evidence.evidence_type).in_(sorted(kinds)),
        )
        .order_by(col(Evidence.reviewed_at), col(Evidence.id))
    )
    return {model_id: evidence for model_id, evidence in rows}  # the latest wins
