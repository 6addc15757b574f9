"""A small, realistic demo portfolio, dated around `now` so it always has work due.

Restartable: each supplier, contract and attachment is created only if missing, so a demo
interrupted half-way is completed by running it again, and a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.context import Context
from tracker.contracts import register as contracts
from tracker.contracts import suppliers
from tracker.db import read_session
from tracker.demo.history import load_history
from tracker.demo.sign_in import ensure_demo_manager
from tracker.domain.durations import shift
from tracker.domain.schedule import local_today
from tracker.models import Contract, ContractClause, ContractEvent, Supplier
from tracker.reminders.passes import sweep


@dataclass(frozen=True)
class DemoContract:
    reference: str
    supplier: str
    title: str
    timezone: str
    country: str
    months_running: int  # how long before `now` the contract started (negative: not yet)
    years: int
    clauses: tuple[str, ...]
    cpv: tuple[str, ...]
    value: str
    currency: str
    events: tuple[tuple[str, int], ...] = field(default=())  # (event, days ago)


SUPPLIERS = (
    ("Example Notebooks AB", "SE", "compliance.notebooks@example.com"),
    ("Sample Devices GmbH", "DE", "csr.sampledevices@example.com"),
    ("Illustrative Recycling BV", "NL", "quality.recycling@example.com"),
    ("Placeholder Mobile Ltd", "GB", "ethics.mobile@example.com"),
)

CONTRACTS = (
    DemoContract(
        "DEMO-2025-001",
        "Example Notebooks AB",
        "Notebooks and docking stations",
        "Europe/Stockholm",
        "SE",
        8,
        4,
        (
            "supply-chain-transparency",
            "tco-certified-valid",
            "factory-social-audit",
            "hrdd-due-diligence-process",
            "conflict-minerals-3tg",
        ),
        ("30213100", "30237000"),
        "2400000",
        "SEK",
        (("new_product_model", 40),),
    ),
    DemoContract(
        "DEMO-2025-002",
        "Sample Devices GmbH",
        "Monitors for schools",
        "Europe/Berlin",
        "DE",
        14,
        3,
        ("tco-certified-valid", "supply-chain-transparency", "reach-svhc-declaration"),
        ("30231300",),
        "860000",
        "EUR",
    ),
    DemoContract(
        "DEMO-2026-003",
        "Illustrative Recycling BV",
        "IT asset disposal and recycling",
        "Europe/Amsterdam",
        "NL",
        2,
        3,
        ("eol-certified-recycler", "eol-reuse-recycling-report", "eol-working-conditions"),
        ("90514000",),
        "150000",
        "EUR",
    ),
    DemoContract(
        "DEMO-2026-004",
        "Placeholder Mobile Ltd",
        "Smartphones and tablets",
        "Europe/London",
        "GB",
        5,
        2,
        (
            "supply-chain-transparency",
            "extended-minerals-cobalt-mica",
            "battery-due-diligence",
            "ilo-fundamental-conventions",
        ),
        ("32250000", "30213200"),
        "530000",
        "GBP",
    ),
)

MANAGER = "contract.manager@example.com"


def load_demo(ctx: Context) -> dict[str, Any]:
    """Create whatever part of the demo portfolio is missing; report what was done."""
    created: dict[str, int] = {"suppliers": 0, "contracts": 0, "clause attachments": 0, "events": 0}
    skipped: list[str] = []
    supplier_ids = _supplier_ids(ctx)
    for name, country, email in SUPPLIERS:
        if name not in supplier_ids:
            view = suppliers.add_supplier(ctx, name=name, email=email, country=country)
            supplier_ids[name] = view.id
            created["suppliers"] += 1
    for spec in CONTRACTS:
        today = local_today(ctx.now, spec.timezone)
        start = shift(date(today.year, today.month, 1), months=-spec.months_running, days=0)
        if _contract_id(ctx, spec.reference) is None:
            contracts.add_contract(
                ctx,
                reference=spec.reference,
                supplier_id=supplier_ids[spec.supplier],
                title=spec.title,
                start_on=start,
                end_on=shift(start, months=12 * spec.years, days=-1),
                signed_on=start - timedelta(days=30),
                manager_email=MANAGER,
                timezone=spec.timezone,
                country=spec.country,
                buyer="Demo Purchasing Body",
                value=Decimal(spec.value),
                currency=spec.currency,
                cpv_codes=list(spec.cpv),
            )
            created["contracts"] += 1
        attached = _attached(ctx, spec.reference)
        for clause_id in spec.clauses:
            if clause_id in attached:
                continue
            if clause_id not in ctx.library.clauses:
                skipped.append(clause_id)
                continue
            contracts.attach_clause(ctx, spec.reference, clause_id)
            created["clause attachments"] += 1
        if not _has_events(ctx, spec.reference):
            for event, days_ago in spec.events:
                contracts.raise_event(
                    ctx,
                    spec.reference,
                    event,
                    occurred_on=today - timedelta(days=days_ago),
                    note="demo: new model added to the framework",
                )
                created["events"] += 1
    history = load_history(ctx, [spec.reference for spec in CONTRACTS])
    # The status pass of the first sweep, so what the demo lists is what `tracker obligations`
    # shows a minute later; it writes no reminder and sends nothing.
    sweep(ctx, remind=False)
    return {
        "created": created,
        "history": history,
        "clauses_not_in_library": sorted(set(skipped)),
        "sign_in": ensure_demo_manager(ctx, MANAGER),
    }


def _supplier_ids(ctx: Context) -> dict[str, int]:
    with read_session(ctx.engine) as session:
        return {
            name: sid
            for sid, name in session.execute(select(col(Supplier.id), col(Supplier.name)))
            if sid is not None
        }


def _contract_id(ctx: Context, reference: str) -> int | None:
    with read_session(ctx.engine) as session:
        return session.scalars(
            select(col(Contract.id)).where(col(Contract.reference) == reference)
        ).first()


def _attached(ctx: Context, reference: str) -> set[str]:
    with read_session(ctx.engine) as session:
        return set(
            session.scalars(
                select(col(ContractClause.clause_id))
                .join(Contract, col(Contract.id) == col(ContractClause.contract_id))
                .where(col(Contract.reference) == reference)
            )
        )


def _has_events(ctx: Context, reference: str) -> bool:
    with read_session(ctx.engine) as session:
        return (
            session.scalars(
                select(col(ContractEvent.id))
                .join(Contract, col(Contract.id) == col(ContractEvent.contract_id))
                .where(col(Contract.reference) == reference)
            ).first()
            is not None
        )
