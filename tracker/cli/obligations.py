"""`tracker obligations`: list, show, waive, unwaive, extend and decide on obligations."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import validate
from tracker.cli.columns import WideOption, emit_listing, emit_one
from tracker.cli.options import NOW_WRITES_HELP, context, parse_date
from tracker.cli.output import Format, FormatOption
from tracker.obligations import (
    decide,
    extend,
    show_obligation,
    stream_obligations,
    unwaive,
    waive,
)

app = typer.Typer(help="List obligations (dated duties).", invoke_without_command=True)

NARROW = ("id", "due_on", "status", "contract", "obligation", "escalation", "next_reminder_at")
NowOption = typer.Option(help=NOW_WRITES_HELP)
ByOption = typer.Option(help="who decides (email)")


def _by(value: str | None) -> str | None:
    return validate.email(value, field="by") if value is not None else None


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
    limit: Annotated[int, typer.Option(min=0, help="at most this many rows (0: all)")] = 1000,
    wide: Annotated[bool, WideOption] = False,
    fmt: Format = FormatOption,
) -> None:
    """List obligations, soonest first (reminder times in the contract's timezone)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = stream_obligations(
        context(),
        contract=contract,
        supplier_id=supplier,
        status=status,
        due_before=parse_date(due_before, option="--due-before"),
        limit=limit,
    )
    emit_listing(rows, fmt, narrow=NARROW, wide=wide, empty="no obligations match")


@app.command("show")
def show(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    fmt: Format = FormatOption,
) -> None:
    """One obligation, the decisions on its escalation, its evidence, and every reminder
    about it: who, when, and whether it arrived."""
    emit_one(show_obligation(context(), obligation_id), fmt)


@app.command("waive")
def waive_(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit trail and reports)")],
    not_applicable: Annotated[
        bool, typer.Option("--not-applicable", help="record it as not applicable instead")
    ] = False,
    by: Annotated[str | None, ByOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Waive an obligation, or record that it does not apply; reminders stop, and reports
    list it but leave it out of on-time rates."""
    record = waive(
        context(now), obligation_id, reason=reason, not_applicable=not_applicable, by=_by(by)
    )
    emit_one(record, fmt)


@app.command("unwaive")
def unwaive_(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    reason: Annotated[str, typer.Option(help="why the waiver is undone (audited)")],
    by: Annotated[str | None, ByOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Undo a waiver: the obligation is open again (due or overdue by its dates) and
    reminders resume from the next step."""
    emit_one(unwaive(context(now), obligation_id, reason=reason, by=_by(by)), fmt)


@app.command("extend")
def extend_(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    to: Annotated[str, typer.Option(help="the new deadline (YYYY-MM-DD)")],
    reason: Annotated[str, typer.Option(help="why more time is given (audited)")],
    by: Annotated[str | None, ByOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Give more time: the deadline in force moves, the reminder ladder follows it, and
    reports keep the planned date."""
    new_due = parse_date(to, option="--to")
    assert new_due is not None
    emit_one(extend(context(now), obligation_id, to=new_due, reason=reason, by=_by(by)), fmt)


@app.command("decide")
def decide_(
    obligation_id: Annotated[int, typer.Argument(help="obligation id")],
    outcome: Annotated[str, typer.Option(help="sanction, termination or continue")],
    reason: Annotated[str, typer.Option(help="why (audited)")],
    by: Annotated[str | None, ByOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Record the decision the escalation ladder asks for (levels 4-5): a sanction was
    applied (the ladder goes on), termination has started (reminders stop), or monitoring
    continues (reminders resume from the next step)."""
    emit_one(decide(context(now), obligation_id, outcome=outcome, reason=reason, by=_by(by)), fmt)
