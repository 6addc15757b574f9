"""`tracker obligations` and `tracker plan`."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import validate
from tracker.cli.options import NOW_WRITES_HELP, context, parse_date
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.obligations import decisions
from tracker.obligations import listing as obligations
from tracker.reminders import outbox

app = typer.Typer(help="List obligations (dated duties).", invoke_without_command=True)


@app.callback()
def list_(
    ctx: typer.Context,
    contract: Annotated[str | None, typer.Option(help="contract reference")] = None,
    supplier: Annotated[int | None, typer.Option(help="supplier id")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="upcoming, due, overdue, submitted, rejected, accepted, waived, not_applicable"
        ),
    ] = None,
    due_before: Annotated[str | None, typer.Option(help="due before this date")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many rows")] = 1000,
    fmt: Format = FormatOption,
) -> None:
    """List obligations, soonest first."""
    if ctx.invoked_subcommand is not None:
        return
    rows = obligations.list_obligations(
        context(),
        contract=contract,
        supplier_id=supplier,
        status=status,
        due_before=parse_date(due_before, option="--due-before"),
        limit=limit,
    )
    emit_rows(rows, fmt, empty="no obligations match")


@app.command("show")
def show(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    fmt: Format = FormatOption,
) -> None:
    """One obligation and every reminder about it: who, when, and whether it arrived."""
    emit_record(outbox.obligation_history(context(), obligation_id), fmt)


@app.command("waive")
def waive(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit trail and reports)")],
    not_applicable: Annotated[
        bool, typer.Option("--not-applicable", help="record it as not applicable instead")
    ] = False,
    by: Annotated[str | None, typer.Option(help="who decides (email)")] = None,
    now: Annotated[str | None, typer.Option(help=NOW_WRITES_HELP)] = None,
    fmt: Format = FormatOption,
) -> None:
    """Waive an obligation, or record that it does not apply; reminders stop, and reports
    list it but leave it out of on-time rates."""
    record = decisions.waive(
        context(now),
        obligation_id,
        reason=reason,
        not_applicable=not_applicable,
        by=validate.email(by, field="by") if by else None,
    )
    emit_record(record, fmt)
