"""`tracker evidence`: log evidence for an obligation, review it, list, export, verify."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tracker import validate
from tracker.cli.columns import WideOption, emit_listing, emit_one
from tracker.cli.options import NOW_WRITES_HELP, context, parse_date
from tracker.cli.output import Format, FormatOption
from tracker.errors import Failure
from tracker.evidence import (
    Review,
    Submission,
    add_evidence,
    export_evidence,
    list_evidence,
    missing_fields,
    parse_field_options,
    requirements,
    review_evidence,
    show_evidence,
    verify_files,
)

app = typer.Typer(
    help="Evidence: files or links submitted for obligations, and their review.",
    no_args_is_help=True,
)

NowOption = typer.Option(help=NOW_WRITES_HELP)
ByOption = typer.Option(help="who acts, as an email address (default: TRACKER_ACTOR)")
NARROW = ("id", "obligation_id", "type", "status", "file", "valid_until", "submitted_on")
ADDED = ("id", "obligation_id", "type", "status", "file", "valid_until", "obligation_status")


def _by(value: str | None) -> str | None:
    return validate.email(value, field="by") if value is not None else None


@app.command("add")
def add(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    files: Annotated[list[Path] | None, typer.Argument(help="files to submit")] = None,
    evidence_type: Annotated[
        str, typer.Option("--type", help="evidence type id of the clause")
    ] = "",
    url: Annotated[str | None, typer.Option(help="a link instead of a file")] = None,
    name: Annotated[
        str | None, typer.Option(help="the file's original name, if the path's differs")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="NAME=VALUE, for each required field")
    ] = None,
    valid_from: Annotated[str | None, typer.Option(help="valid from (YYYY-MM-DD)")] = None,
    valid_until: Annotated[str | None, typer.Option(help="valid until (YYYY-MM-DD)")] = None,
    note: Annotated[str | None, typer.Option(help="a note kept with the evidence")] = None,
    by: Annotated[str | None, ByOption] = None,
    now: Annotated[str | None, NowOption] = None,
    wide: Annotated[bool, WideOption] = False,
    fmt: Format = FormatOption,
) -> None:
    """Submit evidence: the obligation moves to `submitted` until it is reviewed.

    Required fields of the evidence type are asked for when missing and a terminal is
    attached; otherwise they must be given with --field.
    """
    if not evidence_type:
        raise typer.BadParameter("give the evidence type", param_hint="--type")
    ctx = context(now)
    fields = parse_field_options(field or [])
    kind = requirements(ctx, obligation_id, evidence_type)
    if sys.stdin.isatty():
        for missing in missing_fields(kind, fields):
            fields[missing] = typer.prompt(f"{kind.label}: {missing}").strip()
    submission = Submission(
        evidence_type=evidence_type,
        files=list(files or []),
        url=url,
        name=name,
        fields=fields,
        valid_from=parse_date(valid_from, option="--valid-from"),
        valid_until=parse_date(valid_until, option="--valid-until"),
        note=note,
        by=_by(by),
    )
    added = add_evidence(ctx, obligation_id, submission)
    emit_listing(added, fmt, narrow=ADDED, wide=wide, empty="nothing added")


@app.command("review")
def review(
    evidence_id: Annotated[int, typer.Argument(help="evidence id")],
    accept: Annotated[bool, typer.Option("--accept", help="accept the evidence")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="reject it (give --reason)")] = False,
    reason: Annotated[str | None, typer.Option(help="why (required to reject)")] = None,
    check: Annotated[
        list[str] | None,
        typer.Option("--check", help="a checklist item confirmed (its text or number)"),
    ] = None,
    resubmit_by: Annotated[
        str | None,
        typer.Option(
            help="resubmission deadline (default: the clause's period, never earlier than "
            "the deadline in force)"
        ),
    ] = None,
    allow_earlier: Annotated[
        bool,
        typer.Option("--allow-earlier", help="let --resubmit-by shorten the deadline in force"),
    ] = False,
    by: Annotated[str | None, ByOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Accept or reject a submission. A rejection tells the supplier why, with a new
    deadline; an acceptance meets the obligation once every evidence type it asks for is
    accepted, and plans the renewal of evidence that expires."""
    if accept == reject:
        raise typer.BadParameter("give exactly one of --accept or --reject", param_hint="--accept")
    decision = Review(
        accept=accept,
        reason=reason,
        checked=list(check or []),
        resubmit_by=parse_date(resubmit_by, option="--resubmit-by"),
        allow_earlier=allow_earlier,
        by=_by(by),
    )
    emit_one(review_evidence(context(now), evidence_id, decision), fmt)


@app.command("list")
def list_(
    obligation: Annotated[int | None, typer.Option(help="obligation id")] = None,
    contract: Annotated[str | None, typer.Option(help="contract reference")] = None,
    status: Annotated[str | None, typer.Option(help="submitted, accepted or rejected")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 1000,
    wide: Annotated[bool, WideOption] = False,
    fmt: Format = FormatOption,
) -> None:
    """List evidence (restricted items show no file name or field values)."""
    rows = list_evidence(
        context(), obligation_id=obligation, contract=contract, status=status, limit=limit
    )
    emit_listing(rows, fmt, narrow=NARROW, wide=wide, empty="no evidence matches")


@app.command("show")
def show(
    evidence_id: Annotated[int, typer.Argument(help="evidence id")],
    fmt: Format = FormatOption,
) -> None:
    """One piece of evidence and its review (restricted content withheld)."""
    emit_one(show_evidence(context(), evidence_id), fmt)


@app.command("get")
def get(
    evidence_id: Annotated[int, typer.Argument(help="evidence id")],
    output: Annotated[Path, typer.Option("-o", "--output", help="file to write")],
    fmt: Format = FormatOption,
) -> None:
    """Write the stored file (restricted ones too): recorded in the audit trail."""
    emit_one(export_evidence(context(), evidence_id, output), fmt)


@app.command("verify")
def verify(fmt: Format = FormatOption) -> None:
    """Re-hash every stored evidence file; exit 1 naming any that changed or vanished."""
    problems = verify_files(context())
    if problems:
        emit_listing(problems, fmt, narrow=(), wide=True, empty="")
        raise Failure(f"{len(problems)} evidence file(s) changed or missing")
    typer.echo("all evidence files match their recorded SHA-256")
