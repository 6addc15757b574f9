"""What a report covers: the whole portfolio, one supplier or one contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tracker.errors import BadInput

ScopeKind = Literal["portfolio", "supplier", "contract"]
_HINT = "use portfolio, supplier:ID or contract:REFERENCE"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    key: str | None = None

    def __post_init__(self) -> None:
        if (self.kind == "portfolio") != (self.key is None):
            raise ValueError("a portfolio scope has no key; supplier and contract scopes do")

    def __str__(self) -> str:
        return self.kind if self.key is None else f"{self.kind}:{self.key}"

    @property
    def supplier_id(self) -> int | None:
        return int(self.key) if self.kind == "supplier" and self.key is not None else None


def parse_scope(text: str) -> Scope:
    """`portfolio`, `supplier:12` or `contract:RA-2027-017`."""
    value = text.strip()
    if value == "portfolio":
        return Scope("portfolio")
    kind, sep, key = value.partition(":")
    key = key.strip()
    if sep and kind == "supplier":
        if not key.isascii() or not key.isdigit() or int(key) < 1:
            raise BadInput(f"supplier id {key!r} is not a positive whole number", field="scope")
        return Scope("supplier", str(int(key)))
    if sep and kind == "contract":
        if not key:
            raise BadInput(f"{text!r} names no contract reference; {_HINT}", field="scope")
        return Scope("contract", key)
    raise BadInput(f"{text!r} is not a scope; {_HINT}", field="scope")
