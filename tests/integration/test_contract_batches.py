"""`add_contracts`, the batched form of registering a contract, on both engines: each
contract is registered or refused on its own, and the audit trail stays one verified chain."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import col

from tracker import audit
from tracker.config import Settings
from tracker.context import Context
from tracker.contracts import NewContract, NewSupplier, add_contract, add_contracts, add_suppliers
from tracker.contracts.results import ContractPublic
from tracker.db import get_engine, read_session
from tracker.errors import BadInput
from tracker.models import AuditEvent, Contract

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


def _ctx(url: str) -> Context:
    settings = Settings(database_url=url, timezone="Europe/Berlin")
    return Context(settings=settings, engine=get_engine(url), now=NOW, actor="tester")


def _new(reference: str, supplier: int | str, **facts: object) -> NewContract:
    given: dict[str, object] = {
        "title": f"Laptops {reference}",
        "start_on": date(2027, 3, 1),
        "end_on": date(2029, 2, 28),
        **facts,
    }
    return NewContract(reference=reference, supplier_id=supplier, **given)  # type: ignore[arg-type]


def test_each_contract_of_a_batch_is_registered_or_refused_on_its_own(database_url: str) -> None:
    ctx = _ctx(database_url)
    (supplier,) = add_suppliers(ctx, [NewSupplier("Example Laptops SA", "c@example.com")])
    assert not isinstance(supplier, BadInput)
    add_contract(
        ctx,
        reference="K-0",
        supplier_id=supplier.id,
        title="Earlier",
        start_on=date(2027, 1, 1),
        end_on=date(2028, 1, 1),
    )
    outcomes = add_contracts(
        ctx,
        [
            _new("K-1", supplier.id, value=Decimal("1200.5"), currency="EUR"),
            _new("K-0", supplier.id),  # registered before
            _new("K-2", supplier.id + 1000),  # no such supplier
            _new("K-1", supplier.id),  # the same reference twice in one batch
            _new("K-3", "example laptops sa"),  # by exact name, case ignored
            _new("K-4", supplier.id, end_on=date(2026, 1, 1)),  # ends before it starts
        ],
    )
    registered = [o.reference for o in outcomes if isinstance(o, ContractPublic)]
    assert registered == ["K-1", "K-3"]
    refused = [(o.field, o.message) for o in outcomes if isinstance(o, BadInput)]
    assert refused[0] == ("reference", "a contract 'K-0' already exists")
    assert refused[1] == ("supplier_id", f"no supplier with id {supplier.id + 1000}")
    assert refused[2] == ("reference", "a contract 'K-1' already exists")
    assert refused[3][0] == "end_on"
    with read_session(ctx.engine) as s:
        stored = list(s.scalars(select(col(Contract.reference)).order_by(col(Contract.id))))
        events = s.scalar(select(func.count()).select_from(AuditEvent))
        k1 = s.scalars(select(Contract).where(col(Contract.reference) == "K-1")).one()
    assert stored == ["K-0", "K-1", "K-3"]  # nothing of a refused contract
    assert (k1.value_amount, k1.currency, k1.title) == (Decimal("1200.50"), "EUR", "Laptops K-1")
    assert events == 4  # the supplier and the three contracts, one event each
    chain = audit.verify(ctx)
    assert (chain.ok, chain.events) == (True, 4)
