"""`tracker clauses ...`: browse and validate the clause library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tracker import validate
from tracker.cli.options import context, parse_params, write_output
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.config import get_settings
from tracker.contracts import known_versions
from tracker.errors import BadInput
from tracker.library.describe import describe
from tracker.library.export import DocFormat, render_clause
from tracker.library.loader import (
    ClauseFileError,
    Library,
    clause_files,
    load_clause_file,
    load_library,
)
from tracker.library.parameters import resolve_values
from tracker.library.schema import Category, ClauseFile
from tracker.library.sources import source_problems, verified_share
from tracker.library.versions import summarise, unified
from tracker.paths import shipped_clauses_dir

app = typer.Typer(help="Browse and check the clause library.", no_args_is_help=True)


def _library() -> Library:
    return load_library(shipped_clauses_dir(), get_settings().clause_dirs())


@app.command("list")
def list_(
    category: Annotated[Category | None, typer.Option(help="only this category")] = None,
    fmt: Format = FormatOption,
) -> None:
    """List the clauses in the library, with the share of defaults verified at source."""
    clauses = [c for c in _library() if category is None or c.category is category]
    rows = [
        {
            "id": c.id,
            "version": c.version,
            "category": c.category.value,
            "title": c.title,
            "obligations": len(c.obligations),
            "verified": str(verified_share([c])).split(" ", 1)[0],
        }
        for c in clauses
    ]
    emit_rows(rows, fmt, empty="no clauses")
    if fmt is Format.TABLE and clauses:
        typer.echo(f"\nlibrary: {verified_share(clauses)}")


@app.command("show")
def show(
    clause_id: Annotated[str, typer.Argument(help="clause id")], fmt: Format = FormatOption
) -> None:
    """Show a clause: text, parameters, obligations, evidence and sources."""
    clause = _library().get(clause_id)
    if fmt is Format.JSON:
        emit_record(clause.model_dump(mode="json"), fmt)
        return
    values = resolve_values(clause, {})
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
                "when": describe(t, clause, values),
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="also fail when a default claims verified without a reference that has a "
            "URL and a section",
        ),
    ] = False,
) -> None:
    """Validate clause files: one line per problem as `file:line: field: what is wrong`."""
    if not paths:
        try:
            library = _library()
        except ClauseFileError as exc:
            _fail(exc)
        if strict:
            _fail_on_sources(list(library))
        typer.echo(f"ok: {len(library)} clauses; {verified_share(library)}")
        return
    problems: list[str] = []
    loaded = []
    for path in paths:
        files = clause_files(path) if path.is_dir() else [path]
        if not path.exists():
            problems.append(f"{path}:1: does not exist")
            continue
        for file in files:
            try:
                clause = load_clause_file(file)
            except ClauseFileError as exc:
                problems.extend(str(p) for p in exc.problems)
                continue
            loaded.append(clause)
            if strict:
                problems.extend(f"{file}: {p.field}: {p.message}" for p in source_problems(clause))
    count = len(loaded)
    if problems:
        for line in problems:
            typer.echo(line, err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {count} clause files")


def _fail_on_sources(clauses: list[ClauseFile]) -> None:
    problems = [p for clause in clauses for p in source_problems(clause)]
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1)


def _fail(exc: ClauseFileError) -> None:
    for problem in exc.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(1)


@app.command("render")
def render(
    clause_id: Annotated[str, typer.Argument(help="clause id")],
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
    doc_format: Annotated[
        DocFormat, typer.Option("--format", "-f", help="md, html or docx")
    ] = DocFormat.MD,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE; repeatable")
    ] = None,
) -> None:
    """Write the model clause with your values, its schedule in words and its sources."""
    clause = _library().get(clause_id)
    write_output(output, render_clause(clause, parse_params(param), doc_format))
    typer.echo(f"wrote {output} ({clause.id} {clause.version}, {doc_format.value})")


@app.command("suggest")
def suggest(
    cpv: Annotated[list[str], typer.Option(help="CPV code of a purchased item; repeatable")],
    fmt: Format = FormatOption,
) -> None:
    """Clauses whose CPV prefixes match the contract's items (e.g. 30213100 notebooks)."""
    codes = [validate.cpv(code, field="cpv_codes") for code in cpv]
    rows = []
    for clause in _library():
        matches = sorted(
            {
                f"{code}~{prefix}"
                for code in codes
                for prefix in clause.applies_to.cpv_prefixes
                if code.startswith(prefix)
            }
        )
        if matches:
            rows.append(
                {
                    "id": clause.id,
                    "category": clause.category.value,
                    "title": clause.title,
                    "matched": " ".join(matches),
                }
            )
    if not rows and fmt is Format.TABLE:
        raise BadInput(f"--cpv: no clause in the library applies to {', '.join(codes)}")
    emit_rows(rows, fmt)


@app.command("diff")
def diff(
    clause_id: Annotated[str, typer.Argument(help="clause id")],
    from_version: Annotated[
        str | None, typer.Option("--from", help="older version (default: the one before --to)")
    ] = None,
    to_version: Annotated[
        str | None, typer.Option("--to", help="newer version (default: the library's)")
    ] = None,
) -> None:
    """What changed between two versions: the library's and those contracts pinned."""
    versions = known_versions(context(require_schema=False), clause_id)
    names = list(versions)
    target = to_version or names[-1]
    if target not in versions:
        raise BadInput(f"--to: {clause_id} {target} is not known (known: {', '.join(names)})")
    earlier = names[: names.index(target)]
    source = from_version or (earlier[-1] if earlier else None)
    if source is None:
        # Nothing older to compare with: not a mistake of the user's, so say so and succeed.
        typer.echo(
            f"{clause_id}: only version {target} is known (the library has no earlier "
            "version and no contract pins one), so there is nothing to compare"
            if len(names) == 1
            else f"{clause_id}: {target} is the oldest known version "
            f"(known: {', '.join(names)}); nothing to compare it with"
        )
        return
    if source not in versions:
        raise BadInput(f"--from: {clause_id} {source} is not known (known: {', '.join(names)})")
    old, new = versions[source], versions[target]
    typer.echo(f"{clause_id}: {source} -> {target}")
    for line in summarise(old, new) or ["no change"]:
        typer.echo(f"  * {line}")
    text = unified(old, new)
    if text:
        typer.echo("")
        typer.echo(text)
