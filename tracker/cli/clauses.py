"""`tracker clauses ...`: browse and validate the clause library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.config import get_settings
from tracker.library.loader import (
    ClauseFileError,
    Library,
    clause_files,
    load_clause_file,
    load_library,
)
from tracker.library.schema import Category
from tracker.paths import shipped_clauses_dir

app = typer.Typer(help="Browse and check the clause library.", no_args_is_help=True)


def _library() -> Library:
    return load_library(shipped_clauses_dir(), get_settings().clause_dirs())


@app.command("list")
def list_(
    category: Annotated[Category | None, typer.Option(help="only this category")] = None,
    fmt: Format = FormatOption,
) -> None:
    """List the clauses in the library."""
    rows = [
        {
            "id": c.id,
            "version": c.version,
            "category": c.category.value,
            "title": c.title,
            "obligations": len(c.obligations),
        }
        for c in _library()
        if category is None or c.category is category
    ]
    emit_rows(rows, fmt, empty="no clauses")


@app.command("show")
def show(
    clause_id: Annotated[str, typer.Argument(help="clause id")], fmt: Format = FormatOption
) -> None:
    """Show a clause: text, parameters, obligations, evidence and sources."""
    clause = _library().get(clause_id)
    if fmt is Format.JSON:
        emit_record(clause.model_dump(mode="json"), fmt)
        return
    record: dict[str, Any] = {
        "id": clause.id,
        "version": clause.version,
        "category": clause.category.value,
        "title": clause.title,
        "text": " ".join(clause.clause_text.split()),
        "parameters": [
            {
                "name": n,
                "type": p.type.value,
                "default": p.default,
                "calendar": p.calendar.value if p.calendar else None,
                "source": p.source.value,
                "label": p.label,
            }
            for n, p in clause.parameters.items()
        ],
        "obligations": [
            {
                "id": t.id,
                "title": t.title,
                "trigger": t.trigger.type.value,
                "event": t.trigger.event.value if t.trigger.event else None,
                "offset": t.trigger.offset,
                "every": t.recurrence.interval if t.recurrence else None,
                "evidence": ",".join(t.evidence),
            }
            for t in clause.obligations
        ],
        "evidence": [
            {
                "id": e.id,
                "label": e.label,
                "formats": ",".join(e.accepted_formats),
                "confidentiality": e.confidentiality.value,
                "has_validity": e.has_validity,
            }
            for e in clause.evidence_types
        ],
        "references": [
            {"title": r.title, "verification": r.verification.value, "url": r.url}
            for r in clause.references
        ],
    }
    emit_record(record, fmt)


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="files or directories (default: the whole library)"),
    ] = None,
) -> None:
    """Validate clause files: one line per problem as `file:line: field: what is wrong`."""
    if not paths:
        try:
            library = _library()
        except ClauseFileError as exc:
            _fail(exc)
        typer.echo(f"ok: {len(library)} clauses")
        return
    problems: list[str] = []
    count = 0
    for path in paths:
        files = clause_files(path) if path.is_dir() else [path]
        if not path.exists():
            problems.append(f"{path}:1: does not exist")
            continue
        for file in files:
            try:
                load_clause_file(file)
                count += 1
            except ClauseFileError as exc:
                problems.extend(str(p) for p in exc.problems)
    if problems:
        for line in problems:
            typer.echo(line, err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {count} clause files")


def _fail(exc: ClauseFileError) -> None:
    for problem in exc.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(1)
