"""Print records as an aligned table, JSON or CSV."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

import typer
from pydantic import BaseModel

from tracker.csvsafe import csv_safe


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = typer.Option(Format.TABLE, "--format", "-f", help="table, json or csv")


def _text(value: Any) -> str:
    """Instants as ISO 8601 (`2027-03-15T07:00:00+00:00`), everything else as str()."""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_text)
    return _text(value)


def _csv_cell(value: Any) -> str:
    # Text a user typed (a supplier named "=HYPERLINK(...)") must not run in a spreadsheet.
    return csv_safe(value) if isinstance(value, str) else _cell(value)


def as_record(value: Any) -> dict[str, Any]:
    """A use case's typed result (dataclass or pydantic/SQLModel model) as a plain record, in
    field order, nested results included: the one shape every CLI format prints."""
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in dict(value).items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    raise TypeError(f"cannot print {type(value).__name__} as a record")


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel) or (
        dataclasses.is_dataclass(value) and not isinstance(value, type)
    ):
        return as_record(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def emit_rows(given: Iterable[Any], fmt: Format, *, empty: str = "nothing found") -> None:
    rows = [as_record(row) for row in given]
    if fmt is Format.JSON:
        typer.echo(json.dumps(list(rows), indent=2, ensure_ascii=False, default=_text))
        return
    if not rows:
        if fmt is Format.CSV:
            return
        typer.echo(empty, err=True)
        return
    columns = list(rows[0].keys())
    if fmt is Format.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_csv_cell(row.get(c)) for c in columns] for row in rows)
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    typer.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def emit_record(given: Any, fmt: Format) -> None:
    """One record: JSON as an object, otherwise `key: value` lines (nested lists as tables)."""
    record = as_record(given)
    if fmt is Format.JSON:
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False, default=_text))
        return
    if fmt is Format.CSV:
        flat = {k: v for k, v in record.items() if not _is_table(v)}
        emit_rows([flat], Format.CSV)
        return
    width = max(len(k) for k in record)
    tables = []
    for key, value in record.items():
        if _is_table(value):
            tables.append((key, value))
        else:
            typer.echo(f"{key.ljust(width)}  {_cell(value)}")
    for key, value in tables:
        typer.echo(f"\n{key}:")
        emit_rows(value, Format.TABLE, empty="  (none)")


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
