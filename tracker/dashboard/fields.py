"""Read a field of a use case's result whether it is still a dict or already a dataclass
(the use cases are moving to typed results; pages must work with both)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field(result: Any, name: str) -> Any:
    if isinstance(result, Mapping):
        return result[name]
    return getattr(result, name)
