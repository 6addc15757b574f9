"""Supplier pages: the list with a search, and one supplier with its contacts, contracts,
open obligations and on-time rate over the last year. Queries only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from tracker.context import Context
from tracker.contracts import get_supplier
from tracker.contracts.results import SupplierDetail, SupplierSummary
from tracker.dashboard.contracts import ContractRow, find_contracts
from tracker.dashboard.overview import OPEN, DueItem
from tracker.dashboard.words import relative
from tracker.db import read_session
from tracker.domain.schedule import local_today
from tracker.errors import BadInput
from tracker.models import Contract, Obligation, Supplier
from tracker.reports.periods import custom_period
from tracker.reports.produce import compute_outcomes
from tracker.reports.scope import Scope

MAX_QUERY = 200
SHOWN = 100
YEAR = timedelta(days=365)


PER_PAGE = 50


@dataclass(frozen=True)
class SupplierList:
    items: list[SupplierSummary]
    q: str
    total: int
    page: int
    pages: int


def find_suppliers(ctx: Context, *, q: str = "", page: int = 1) -> SupplierList:
    """Suppliers whose name contains `q` (any case), by name, a page at a time, with how
    many contracts each has (counted for the page's suppliers only)."""
    q = q.strip()[:MAX_QUERY]
    if page < 1:
        raise BadInput("pages start at 1", field="page")
    filters = [func.lower(col(Supplier.name)).like(f"%{q.lower()}%")] if q else []
    with read_session(ctx.engine) as session:
        rows = session.execute(
            select(col(Supplier.id), col(Supplier.name), col(Supplier.country))
            .where(*filters)
            .order_by(col(Supplier.name), col(Supplier.id))
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        ).all()
        if page == 1 and len(rows) < PER_PAGE:
            total = len(rows)
        else:
            total = session.execute(
                select(func.count()).select_from(Supplier).where(*filters)
            ).scalar_one()
        ids = [sid for sid, _, _ in rows]
        counts = dict(
            session.execute(
                select(col(Contract.supplier_id), func.count())
                .where(col(Contract.supplier_id).in_(ids))
                .group_by(col(Contract.supplier_id))
            ).all()
        )
    return SupplierList(
        items=[
            SupplierSummary(id=sid, name=name, country=country, contracts=counts.get(sid, 0))
            for sid, name, country in rows
        ],
        q=q,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


@dataclass(frozen=True)
class SupplierPage:
    supplier: SupplierDetail
    contracts: list[ContractRow]
    open: list[DueItem]
    on_time_rate: float | None
    judged: int  # obligations the rate is over (met on time, late, or overdue)
    since: date
    today: date


def supplier_page(ctx: Context, supplier_id: int) -> SupplierPage:
    supplier = get_supplier(ctx, supplier_id)
    contracts = find_contracts(ctx, supplier_id=supplier.id).items
    today = local_today(ctx.now, ctx.settings.timezone)
    with read_session(ctx.engine) as session:
        rows = session.execute(
            select(
                col(Obligation.id),
                col(Obligation.title),
                col(Contract.reference),
                col(Obligation.due_on),
                col(Obligation.status),
                col(Contract.timezone),
            )
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .where(col(Contract.supplier_id) == supplier.id, col(Obligation.status).in_(OPEN))
            .order_by(col(Obligation.due_on), col(Obligation.id))
            .limit(SHOWN)
        ).all()
    due = [
        DueItem(
            obligation_id=oid,
            title=title,
            reference=reference,
            supplier=supplier.name,
            due_on=due_on,
            status=status,
            when=relative(due_on, local_today(ctx.now, timezone)),
        )
        for oid, title, reference, due_on, status, timezone in rows
    ]
    since = today - YEAR
    outcomes = compute_outcomes(
        ctx, Scope("supplier", str(supplier.id)), custom_period(since, today), as_of=ctx.now
    )
    return SupplierPage(
        supplier=supplier,
        contracts=contracts,
        open=due,
        on_time_rate=outcomes.on_time_rate,
        judged=outcomes.judged,
        since=since,
        today=today,
    )
