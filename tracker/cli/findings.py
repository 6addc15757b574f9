"""`tracker finding`: findings and their corrective action plans."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import validate
from tracker.cli.columns import WideOption, emit_listing, emit_one
from tracker.cli.options import NOW_WRITES_HELP, context, parse_date
from tracker.cli.output import Format, FormatOption
from tracker.findings import add_finding, edit_finding, list_findings, show_finding

app = typer.Typer(
    help="Findings from audits and monitors, with corrective action plans.", no_args_is_help=True
)

NARROW = ("id", "contract", "severity", "status", "text", "cap_due_on", "cap_status")


def _by(value: str | None) -> str | None:
    return validate.email(value, field="by") if value is not None else None


@app.command("add")
def add(
    severity: Annotated[str, typer.Option(help="minor, major or priority")],
    text: Annotated[str, typer.Option(help="what was found")],
    obligation: Annotated[int | None, typer.Option(help="the obligation it concerns")] = None,
    contract: Annotated[str | None, typer.Option(help="or the contract reference")] = None,
    due: Annotated[
        str | None, typer.Option(help="plan deadline (default: 14 days, 7 for priority)")
    ] = None,
    cap: Annotated[
        bool,
        typer.Option(
            "--cap/--no-cap",
            help="plan a corrective action plan (default); --no-cap records an observation "
            "only, refused where the clause requires a plan",
        ),
    ] = True,
    by: Annotated[str | None, typer.Option(help="who records it (email)")] = None,
    now: Annotated[str | None, typer.Option(help=NOW_WRITES_HELP)] = None,
    fmt: Format = FormatOption,
) -> None:
    """Record a finding: its corrective action plan becomes an obligation with reminders,
    and the supplier is told at once."""
    record = add_finding(
        context(now),
        severity=severity,
        text=text,
        obligation_id=obligation,
        contract=contract,
        due=parse_date(due, option="--due"),
        cap=cap,
        by=_by(by),
    )
    emit_one(record, fmt)


@app.command("edit")
def edit(
    finding_id: Annotated[int, typer.Argument(help="finding id")],
    text: Annotated[
        str | None, typer.Option("--text", "--description", help="what was found, corrected")
    ] = None,
    severity: Annotated[str | None, typer.Option(help="minor, major or priority")] = None,
    by: Annotated[str | None, typer.Option(help="who corrects it (email)")] = None,
    now: Annotated[str | None, typer.Option(help=NOW_WRITES_HELP)] = None,
    fmt: Format = FormatOption,
) -> None:
    """Correct an open finding's text or severity (audited with before and after); the
    plan's deadline stays (`tracker obligations extend` gives more time)."""
    emit_one(edit_finding(context(now), finding_id, text=text, severity=severity, by=_by(by)), fmt)


@app.command("list")
def list_(
    contract: Annotated[str | None, typer.Option(help="contract reference")] = None,
    supplier: Annotated[int | None, typer.Option(help="supplier id")] = None,
    status: Annotated[str | None, typer.Option(help="open or closed")] = None,
    severity: Annotated[str | None, typer.Option(help="minor, major or priority")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 1000,
    wide: Annotated[bool, WideOption] = False,
    fmt: Format = FormatOption,
) -> None:
    """List findings with their plan's deadline and status."""
    rows = list_findings(
        context(),
        contract=contract,
        supplier_id=supplier,
        status=status,
        severity=severity,
        limit=limit,
    )
    emit_listing(rows, fmt, narrow=NARROW, wide=wide, empty="no findings match")


@app.command("show")
def show(
    finding_id: Annotated[int, typer.Argument(help="finding id")],
    fmt: Format = FormatOption,
) -> None:
    """One finding and its corrective action plan."""
    emit_one(show_finding(context(), finding_id), fmt)
