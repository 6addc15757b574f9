"""Print records as an aligned table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import typer


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = typer.Option(Format.TABLE, "--format", "-f", help="table, json or csv")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def emit_rows(rows: Sequence[dict[str, Any]], fmt: Format, *, empty: str = "nothing found") -> None:
    if fmt is Format.JSON:
        typer.echo(json.dumps(list(rows), indent=2, ensure_ascii=False, default=str))
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
        writer.writerows([_cell(row.get(c)) for c in columns] for row in rows)
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    typer.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def emit_record(record: dict[str, Any], fmt: Format) -> None:
    """One record: JSON as an object, otherwise `key: value` lines (nested lists as tables)."""
    if fmt is Format.JSON:
        typer.echo(json.dumps(record, indent=2, ensure_ascii=False, default=str))
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
