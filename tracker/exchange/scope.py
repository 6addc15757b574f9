"""Which contracts an export covers: one contract, one manager's, one supplier's, or all."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker import validate
from tracker.errors import BadInput, NotFound
from tracker.models import Contract, Supplier


@dataclass(frozen=True, slots=True)
class Scope:
    """At most one of the three; none means every contract."""

    contract: str | None = None
    manager_email: str | None = None
    supplier_id: int | None = None

    def label(self) -> str:
        if self.contract is not None:
            return f"contract {self.contract}"
        if self.manager_email is not None:
            return f"contracts managed by {self.manager_email}"
        if self.supplier_id is not None:
            return f"contracts of supplier {self.supplier_id}"
        return "all contracts"


def contracts_in(session: Session, scope: Scope) -> list[Contract]:
    """The contracts of the scope, by reference; NotFound when the named one does not exist."""
    given = [v for v in (scope.contract, scope.manager_email, scope.supplier_id) if v is not None]
    if len(given) > 1:
        raise BadInput("give one of a contract, a manager or a supplier", field="contract")
    stmt = select(Contract).order_by(col(Contract.reference))
    if scope.contract is not None:
        stmt = stmt.where(col(Contract.reference) == scope.contract)
    elif scope.manager_email is not None:
        address = validate.email(scope.manager_email, field="manager_email")
        stmt = stmt.where(func.lower(col(Contract.manager_email)) == address.lower())
    elif scope.supplier_id is not None:
        if session.get(Supplier, scope.supplier_id) is None:
            raise NotFound(f"no supplier with id {scope.supplier_id}", field="supplier_id")
        stmt = stmt.where(col(Contract.supplier_id) == scope.supplier_id)
    found = list(session.scalars(stmt))
    if scope.contract is not None and not found:
        raise NotFound(f"no contract {scope.contract!r}", field="contract")
    return found
