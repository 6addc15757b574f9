"""Contract pages: a searchable, filterable, paged list, and one contract with its clauses,
obligations as a timeline, evidence and findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col

from tracker.context import Context
from tracker.contracts import ContractModels, contract_models, get_contract
from tracker.dashboard.evidence_rows import EvidenceRow, evidence_row
from tracker.dashboard.words import relative
from tracker.db import read_session
from tracker.domain.schedule import local_today
from tracker.domain.status import CLOSED
from tracker.errors import BadInput
from tracker.findings.register import list_findings
from tracker.models import Contract, ContractStatus, Evidence, Supplier
from tracker.people.roles import Action, Person, may, may_on_contract

PER_PAGE = 25
MAX_QUERY = 200
# Up to this many suppliers the list offers them in a dropdown; with more, a page of ten
# thousand options is slow to send and useless to scroll, and the search box finds a
# supplier by name instead.
SUPPLIER_CHOICES = 200


@dataclass(frozen=True)
class ContractRow:
    reference: str
    title: str
    supplier: str
    status: str
    start_on: date
    end_on: date
    manager_email: str | None


@dataclass(frozen=True)
class SupplierOption:
    id: int
    name: str


@dataclass(frozen=True)
class ContractList:
    items: list[ContractRow]
    total: int
    page: int
    pages: int
    q: str
    status: str | None
    supplier_id: int | None
    statuses: list[str]
    suppliers: list[SupplierOption] | None  # None: too many for a dropdown; search instead
    supplier_name: str | None  # of the supplier filtered on


def find_contracts(
    ctx: Context,
    *,
    q: str = "",
    status: str | None = None,
    supplier_id: int | None = None,
    page: int = 1,
) -> ContractList:
    q = q.strip()[:MAX_QUERY]
    statuses = [s.value for s in ContractStatus]
    if status is not None and status not in statuses:
        raise BadInput(f"{status!r} is not one of {', '.join(statuses)}", field="status")
    if page < 1:
        raise BadInput("pages start at 1", field="page")
    filters: list[Any] = []
    if q:
        like = f"%{q.lower()}%"
        filters.append(
            or_(
                func.lower(col(Contract.reference)).like(like),
                func.lower(col(Contract.title)).like(like),
                func.lower(col(Supplier.name)).like(like),
            )
        )
    if status is not None:
        filters.append(col(Contract.status) == status)
    if supplier_id is not None:
        filters.append(col(Contract.supplier_id) == supplier_id)
    joined = select(Contract, col(Supplier.name)).join(
        Supplier, col(Supplier.id) == col(Contract.supplier_id)
    )
    # The page's ids first: skipping to page 1,500 then walks the reference index alone
    # (and the supplier table only when the search needs its names), not 37,500 whole rows.
    matching = select(col(Contract.id)).where(*filters)
    if q:
        matching = matching.join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
    with read_session(ctx.engine) as session:
        ids = list(
            session.scalars(
                matching.order_by(col(Contract.reference))
                .offset((page - 1) * PER_PAGE)
                .limit(PER_PAGE)
            )
        )
        rows = session.execute(
            joined.where(col(Contract.id).in_(ids)).order_by(col(Contract.reference))
        ).all()
        if page == 1 and len(rows) < PER_PAGE:
            total = len(rows)  # all of them are here: a search's second scan saved
        else:
            total = session.execute(
                select(func.count()).select_from(matching.subquery())
            ).scalar_one()
        suppliers = supplier_options(session, limit=SUPPLIER_CHOICES)
        chosen = (
            None
            if supplier_id is None
            else session.scalar(select(col(Supplier.name)).where(col(Supplier.id) == supplier_id))
        )
    return ContractList(
        items=[
            ContractRow(c.reference, c.title, name, c.status, c.start_on, c.end_on, c.manager_email)
            for c, name in rows
        ],
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        q=q,
        status=status,
        supplier_id=supplier_id,
        statuses=statuses,
        suppliers=suppliers,
        supplier_name=chosen,
    )


def supplier_options(session: Any, *, limit: int | None = None) -> list[SupplierOption] | None:
    """Every supplier by name, or None when there are more than `limit`."""
    stmt = select(col(Supplier.id), col(Supplier.name)).order_by(
        col(Supplier.name), col(Supplier.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit + 1)
    found = [SupplierOption(sid, name) for sid, name in session.execute(stmt)]
    return None if limit is not None and len(found) > limit else found


def all_suppliers(ctx: Context) -> list[SupplierOption]:
    """Every supplier by name, for forms that choose one."""
    with read_session(ctx.engine) as session:
        return supplier_options(session) or []


@dataclass(frozen=True)
class TimelineItem:
    due_on: date
    clause_id: str
    obligation: str
    obligation_id: int | None
    status: str
    when: str


@dataclass(frozen=True)
class ContractPage:
    contract: Any
    today: date
    clauses: list[Any]
    timeline: list[TimelineItem]
    evidence: list[EvidenceRow]
    findings: list[Any]
    may_edit: bool
    models: ContractModels


def contract_page(ctx: Context, reference: str, person: Person) -> ContractPage:
    view = get_contract(ctx, reference)
    today = local_today(ctx.now, view.timezone)
    closed = {s.value for s in CLOSED} | {"submitted"}
    timeline = [
        TimelineItem(
            due_on=row.due_on,
            clause_id=row.clause_id,
            obligation=row.obligation,
            obligation_id=row.obligation_id,
            status=row.status,
            when=relative(
                row.due_on,
                today,
                open_=row.status not in closed and row.obligation_id is not None,
            ),
        )
        for row in view.schedule
    ]
    with read_session(ctx.engine) as session:
        rows = session.scalars(
            select(Evidence)
            .join(Contract, col(Contract.id) == col(Evidence.contract_id))
            .where(col(Contract.reference) == reference)
            .order_by(col(Evidence.id))
        ).all()
    see = may(person, Action.READ_RESTRICTED)
    return ContractPage(
        contract=view,
        today=today,
        clauses=list(view.clauses),
        timeline=timeline,
        evidence=[
            evidence_row(r, may_see_restricted=see, person=person, manager_email=view.manager_email)
            for r in rows
        ],
        findings=list_findings(ctx, contract=reference),
        may_edit=may_on_contract(person, Action.EDIT_CONTRACT, manager_email=view.manager_email),
        models=contract_models(ctx, reference),
    )
