"""A delivered model's latest accepted certificate under a certificate scheme (per-model
clause), and the scheme's lookup link for its number; read by `model_standing`."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.models import ContractClause, Evidence, EvidenceStatus, Obligation


def lookup_link(template: str | None, number: object) -> str | None:
    """The scheme's public lookup page for a certificate number (encoded into the address)."""
    if not template or number is None or str(number) == "":
        return None
    return template.replace("{certificate_number}", quote(str(number), safe=""))


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
