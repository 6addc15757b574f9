"""Finding a registered supplier: by identifier first, then by exact name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from tracker.context import Context
from tracker.contracts.results import SupplierPublic
from tracker.db import read_session
from tracker.errors import BadInput
from tracker.models import Supplier


class KnownSuppliers:
    """Suppliers by identifier and by exact name, including those this import creates."""

    def __init__(self, ctx: Context | None) -> None:
        self.by_identifier: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        if ctx is None:
            return
        with read_session(ctx.engine) as session:
            for sid, name, identifiers in session.execute(
                select(col(Supplier.id), col(Supplier.name), col(Supplier.identifiers)).order_by(
                    col(Supplier.id)
                )
            ):
                self.remember(sid, name, identifiers or [])

    @classmethod
    def empty(cls) -> KnownSuppliers:
        return cls(None)

    def remember(self, supplier_id: int, name: str, identifiers: Sequence[str]) -> None:
        for identifier in identifiers:
            self.by_identifier.setdefault(identifier, supplier_id)
        self.by_name.setdefault(name, supplier_id)

    def match(self, identifier: str | None, name: str) -> tuple[int | None, str]:
        """The supplier's id and how it was found, or None when it is not registered."""
        if identifier and identifier in self.by_identifier:
            return self.by_identifier[identifier], "matched by identifier"
        if name in self.by_name:
            return self.by_name[name], "matched by name"
        return None, ""

    def settle(
        self, placeholder: int, supplier_id: int | None, name: str, identifiers: Sequence[str]
    ) -> None:
        """Give the supplier remembered under `placeholder` (with this name and these
        identifiers) its registered id, or forget it (None: it was not registered)."""
        keys = [(self.by_identifier, i) for i in identifiers] + [(self.by_name, name)]
        for known, key in keys:
            if known.get(key) != placeholder:
                continue
            if supplier_id is None:
                del known[key]
            else:
                known[key] = supplier_id

    def settle_added(
        self,
        added: Sequence[SupplierPublic | BadInput],
        keys: Sequence[tuple[str, Sequence[str]]],
    ) -> dict[int, int | BadInput]:
        """Settle the suppliers remembered under placeholders -1, -2, ... (the order they
        were registered in, each with its name and identifiers in `keys`): the registered
        id for each placeholder, or why that supplier was refused."""
        settled: dict[int, int | BadInput] = {}
        for number, ((name, identifiers), supplier) in enumerate(
            zip(keys, added, strict=True), start=1
        ):
            real = supplier if isinstance(supplier, BadInput) else supplier.id
            settled[-number] = real
            self.settle(-number, None if isinstance(real, BadInput) else real, name, identifiers)
        return settled
