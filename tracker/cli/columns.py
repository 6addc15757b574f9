"""Listings for people and for programs: a narrow table with local times by default, every
column with `--wide`, and full ISO instants in JSON and CSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import typer

from tracker.cli.output import Format, as_record, emit_record, emit_rows
from tracker.domain.localtime import zone

WideOption = typer.Option("--wide", help="all columns (the table shows the main ones)")
TEXT_WIDTH = 40


def local_minutes(at: datetime, timezone: str | None) -> str:
    """An instant as a person reads it: in the contract's timezone, to the minute."""
    shown = at.astimezone(zone(timezone)) if timezone else at
    return shown.strftime("%Y-%m-%d %H:%M")


def _for_table(value: Any, timezone: str | None, *, truncate: bool) -> Any:
    if isinstance(value, datetime):
        return local_minutes(value, timezone)
    if truncate and isinstance(value, str) and len(value) > TEXT_WIDTH:
        return value[: TEXT_WIDTH - 1] + "…"
    return value


def machine(value: Any) -> Any:
    """Dates and instants as ISO 8601 strings, everywhere in a record."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [machine(v) for v in value]
    if isinstance(value, dict):
        return {k: machine(v) for k, v in value.items()}
    return value


def emit_listing(
    given: Iterable[Any],
    fmt: Format,
    *,
    narrow: Sequence[str],
    wide: bool,
    empty: str,
) -> None:
    """Rows as a table of the `narrow` columns (all with `wide`), or every field as JSON/CSV."""
    records = (as_record(row) for row in given)
    if fmt is not Format.TABLE:
        emit_rows((machine(r) for r in records), fmt, empty=empty)
        return

    def shown(record: dict[str, Any]) -> dict[str, Any]:
        timezone = record.get("timezone")
        keys = list(record) if wide else [k for k in narrow if k in record]
        return {
            k: _for_table(record[k], timezone, truncate=not wide) for k in keys if k != "timezone"
        }

    emit_rows((shown(r) for r in records), fmt, empty=empty)


def emit_one(given: Any, fmt: Format) -> None:
    """One record: local minutes in the table, ISO instants in JSON and CSV."""
    record = as_record(given)
    if fmt is not Format.TABLE:
        emit_record(machine(record), fmt)
        return
    timezone = record.get("timezone")

    def local(value: Any) -> Any:
        if isinstance(value, list):
            return [local(v) for v in value]
        if isinstance(value, dict):
            return {k: local(v) for k, v in value.items()}
        return _for_table(value, timezone, truncate=False)

    emit_record(local(record), fmt)
