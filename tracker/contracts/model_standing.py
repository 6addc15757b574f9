"""The read side of a contract's product models: each model with, per certificate scheme
(per-model clause attached), its latest accepted certificate, its duties and one status word,
so a manager sees at a glance which models lack a valid certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.contracts.model_certificates import latest_certificates, lookup_link
from tracker.contracts.models_delivered import PlannedDuty, ProductModelView, model_view
from tracker.contracts.register import get_by_reference
from tracker.db import read_session
from tracker.domain.certificates import CertificateStatus, certificate_status
from tracker.domain.schedule import local_today
from tracker.domain.status import CLOSED, ObligationStatus, status_after
from tracker.library.schema import ClauseFile
from tracker.models import Contract, ContractClause, Obligation, ProductModel
from tracker.obligations.planning import ClauseCache

# The word for a model with no certificate scheme attached: nothing to hold.
NO_SCHEME = "no_scheme"
# Worst first: the model's own status is the worst of its schemes'.
SEVERITY = (
    CertificateStatus.OVERDUE,
    CertificateStatus.MISSING,
    CertificateStatus.EXPIRING,
    CertificateStatus.VALID,
    CertificateStatus.RETIRED,
)


@dataclass(frozen=True, slots=True)
class SchemeStanding:
    """One model under one certificate scheme (a per-model clause of the contract)."""

    scheme: str  # the clause id, e.g. tco-certified-valid
    scheme_title: str
    certificate_number: str | None
    generation: str | None
    valid_until: date | None
    lookup_url: str | None
    status: str  # a CertificateStatus
    duties: list[PlannedDuty]


@dataclass(frozen=True, slots=True)
class ModelStanding:
    model: ProductModelView
    status: str  # the worst of its schemes' statuses, or "no_scheme"
    schemes: list[SchemeStanding]


@dataclass(frozen=True, slots=True)
class ContractModels:
    reference: str
    today: date
    ended: bool
    models: list[ModelStanding]

    @property
    def lacking(self) -> int:
        """Models owing a certificate they do not validly hold (missing or overdue)."""
        lacking = (CertificateStatus.MISSING, CertificateStatus.OVERDUE)
        return sum(1 for m in self.models if m.status in lacking)


def contract_models(ctx: Context, reference: str) -> ContractModels:
    """The contract's models, oldest first, each with its standing per certificate scheme."""
    with read_session(ctx.engine) as session:
        contract = get_by_reference(session, reference)
        assert contract.id is not None
        today = local_today(ctx.now, contract.timezone)
        models = list(
            session.scalars(
                select(ProductModel)
                .where(col(ProductModel.contract_id) == contract.id)
                .order_by(col(ProductModel.id))
            )
        )
        schemes = _schemes(session, contract, models, today) if models else {}
        found = []
        for model in models:
            assert model.id is not None
            standings = schemes.get(model.id, [])
            status = min((s.status for s in standings), key=_severity) if standings else NO_SCHEME
            found.append(
                ModelStanding(
                    model=model_view(contract.reference, model), status=status, schemes=standings
                )
            )
        return ContractModels(
            reference=contract.reference,
            today=today,
            ended=contract.ended_on is not None,
            models=found,
        )


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One model under one certificate scheme, flat, for lists and exports (`tracker contract
    model list`); a model with no scheme attached has one row with `scheme` None."""

    model_id: int
    contract: str
    manufacturer: str
    name: str
    product_type: str
    retired_on: date | None
    scheme: str | None
    certificate_number: str | None
    generation: str | None
    valid_until: date | None
    lookup_url: str | None
    status: str  # a CertificateStatus, or "no_scheme"


def model_rows(ctx: Context, reference: str) -> list[ModelRow]:
    """`contract_models` flattened, with the same status words as the contract page."""
    found = []
    for standing in contract_models(ctx, reference).models:
        m = standing.model
        schemes: list[SchemeStanding | None] = [*standing.schemes] or [None]
        for s in schemes:
            found.append(
                ModelRow(
                    model_id=m.id,
                    contract=m.contract,
                    manufacturer=m.manufacturer,
                    name=m.name,
                    product_type=m.product_type,
                    retired_on=m.retired_on,
                    scheme=s.scheme if s else None,
                    certificate_number=s.certificate_number if s else None,
                    generation=s.generation if s else None,
                    valid_until=s.valid_until if s else None,
                    lookup_url=s.lookup_url if s else None,
                    status=s.status if s else standing.status,
                )
            )
    return found


def _severity(status: str) -> int:
    return SEVERITY.index(CertificateStatus(status))


def _schemes(
    session: Session, contract: Contract, models: list[ProductModel], today: date
) -> dict[int, list[SchemeStanding]]:
    cache = ClauseCache(session)
    attached = session.scalars(
        select(ContractClause)
        .where(
            col(ContractClause.contract_id) == contract.id,
            col(ContractClause.detached_at).is_(None),
        )
        .order_by(col(ContractClause.id))
    )
    ids = [m.id or 0 for m in models]
    found: dict[int, list[SchemeStanding]] = {i: [] for i in ids}
    for attachment in attached:
        clause = cache(attachment.clause_version_id)
        kinds = {e for t in clause.obligations if t.per_model for e in t.evidence}
        if not kinds:
            continue
        latest = latest_certificates(session, attachment, ids, kinds)
        duties = _duties(session, attachment, clause, today)
        for model in models:
            assert model.id is not None
            evidence = latest.get(model.id)
            fields = (evidence.fields if evidence else None) or {}
            number = fields.get("certificate_number")
            kind = clause.evidence_type(evidence.evidence_type) if evidence else None
            own = duties.get(model.id, [])
            status = certificate_status(
                valid_until=evidence.valid_until if evidence else None,
                accepted=evidence is not None,
                duty_statuses=[d.status for d in own if d.status not in _SETTLED],
                retired=model.retired_on is not None,
                today=today,
            )
            found[model.id].append(
                SchemeStanding(
                    scheme=clause.id,
                    scheme_title=clause.title,
                    certificate_number=str(number) if number is not None else None,
                    generation=str(fields["generation"]) if "generation" in fields else None,
                    valid_until=evidence.valid_until if evidence else None,
                    lookup_url=lookup_link(kind.lookup_url if kind else None, number),
                    status=status.value,
                    duties=own,
                )
            )
    return found


# Duties that owe nothing now: closed, or submitted and waiting for review.
_SETTLED = {*(s.value for s in CLOSED), ObligationStatus.SUBMITTED.value}


def _duties(
    session: Session, attachment: ContractClause, clause: ClauseFile, today: date
) -> dict[int, list[PlannedDuty]]:
    """Each model's duties under this clause (superseded ones left out), with the status time
    gives them today (the sweep may not have moved it yet)."""
    titles = {t.id: t.title for t in clause.obligations}
    rows = session.scalars(
        select(Obligation)
        .where(
            col(Obligation.contract_clause_id) == attachment.id,
            col(Obligation.product_model_id).is_not(None),
            col(Obligation.status) != ObligationStatus.SUPERSEDED.value,
        )
        .order_by(col(Obligation.due_on), col(Obligation.id))
    )
    found: dict[int, list[PlannedDuty]] = {}
    for o in rows:
        assert o.product_model_id is not None
        lead = (o.due_on - o.window_opens_on).days
        found.setdefault(o.product_model_id, []).append(
            PlannedDuty(
                obligation_id=o.id or 0,
                title=titles.get(o.template_id, o.title),
                due_on=o.due_on,
                status=status_after(o.status, due_on=o.due_on, today=today, lead_days=lead),
            )
        )
    return found
