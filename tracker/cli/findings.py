"""`tracker finding`: findings and their corrective action plans."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import validate
from tracker.cli.options import NOW_WRITES_HELP, context, parse_date
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.findings import register as findings

app = typer.Typer(
    help="Findings from audits and monitors, with corrective action plans.", no_args_is_help=True
)


@app.command("add")
def add(
    severity: Annotated[str, typer.Option(help="minor, major or priority")],
    text: Annotated[str, typer.Option(help="what was found")],
    obligation: Annotated[int | None, typer.Option(help="the obligation it concerns")] = None,
    contract: Annotated[str | None, typer.Option(help="or the contract reference")] = None,
    due: Annotated[
        str | None, typer.Option(help="plan deadline (default: 14 days, 7 for priority)")
    ] = None,
    by: Annotated[str | None, typer.Option(help="who records it (email)")] = None,
    now: Annotated[str | None, typer.Option(help=NOW_WRITES_HELP)] = None,
    fmt: Format = FormatOption,
) -> None:
    """Record a finding: its corrective action plan becomes an obligation with reminders,
    and the supplier is told at once."""
    record = findings.add_finding(
        context(now),
        severity=severity,
        text=text,
        obligation_id=obligation,
        contract=contract,
        due=parse_date(due, option="--due"),
        by=validate.email(by, field="by") if by else None,
    )
    emit_record(record, fmt)


@app.command("list")
def list_(
    contract: Annotated[str | None, typer.Option(help="contract reference")] = None,
    supplier: Annotated[int | None, typer.Option(help="supplier id")] = None,
    status: Annotated[str | None, typer.Option(help="open or closed")] = None,
    severity: Annotated[str | None, typer.Option(help="minor, major or priority")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 1000,
    fmt: Format = FormatOption,
) -> None:
    """List findings with their plan's deadline and status."""
    rows = findings.list_findings(
        context(),
        contract=contract,
        supplier_id=supplier,
        status=status,
        severity=severity,
        limit=limit,
    )
    emit_rows(rows, fmt, empty="no findings match")


@app.command("show")
def show(
    finding_id: Annotated[int, typer.Argument(help="finding id")],
    fmt: Format = FormatOption,
) -> None:
    """One finding and its corrective action plan."""
    emit_record(findings.show_finding(context(), finding_id), fmt)
