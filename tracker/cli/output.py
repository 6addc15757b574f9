"""Print records as an aligned table, JSON or CSV."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from itertools import chain, islice
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


# The table's column widths come from its first rows; later rows wider than those push
# their line out rather than have the whole list held in memory to measure it.
TABLE_PAGE = 1000


def emit_rows(given: Iterable[Any], fmt: Format, *, empty: str = "nothing found") -> None:
    """Records as they come: JSON and CSV are written row by row, so a list of any length
    keeps memory flat (the JSON is the same text `json.dumps(rows, indent=2)` gives)."""
    rows = (as_record(row) for row in given)
    if fmt is Format.JSON:
        _json_array(rows)
        return
    first = next(rows, None)
    if first is None:
        if fmt is not Format.CSV:
            typer.echo(empty, err=True)
        return
    columns = list(first.keys())
    out = sys.stdout
    if fmt is Format.CSV:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerow([_csv_cell(first.get(c)) for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        return
    page = [first, *islice(rows, TABLE_PAGE - 1)]
    cells = [[_cell(row.get(c)) for c in columns] for row in page]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values: Iterable[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip() + "\n"

    out.write(line(c.upper() for c in columns))
    out.writelines(line(r) for r in cells)
    out.writelines(line(_cell(row.get(c)) for c in columns) for row in rows)


def _json_array(rows: Iterator[dict[str, Any]]) -> None:
    """`json.dumps(list(rows), indent=2)`, one element at a time."""
    out = sys.stdout
    first = next(rows, None)
    if first is None:
        out.write("[]\n")
        return
    out.write("[\n")
    for n, row in enumerate(chain([first], rows)):
        text = json.dumps(row, indent=2, ensure_ascii=False, default=_text)
        out.write(("" if n == 0 else ",\n") + "  " + text.replace("\n", "\n  "))
    out.write("\n]\n")


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
