"""Plain-dict views of records for output (table, JSON, CSV)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import SQLModel


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record_of(model: SQLModel, fields: list[str]) -> dict[str, Any]:
    return {name: plain(getattr(model, name)) for name in fields}
