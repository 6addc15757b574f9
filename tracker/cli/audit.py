"""`tracker audit`: read the audit trail and verify its hash chain."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import audit
from tracker.cli.options import context, parse_date
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.errors import Failure

app = typer.Typer(help="The append-only audit trail of every change.", no_args_is_help=True)


@app.command("log")
def log(
    contract: Annotated[str | None, typer.Option(help="contract reference")] = None,
    since: Annotated[str | None, typer.Option(help="from this date (YYYY-MM-DD)")] = None,
    entity: Annotated[
        str | None, typer.Option(help="obligation, evidence, finding, contract, ...")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="at most this many events (0: all)")] = 200,
    fmt: Format = FormatOption,
) -> None:
    """Events, newest first: who did what, when, with the values before and after."""
    rows = audit.log(
        context(),
        contract=contract,
        since=parse_date(since, option="--since"),
        entity=entity,
        limit=limit,
    )
    emit_rows(rows, fmt, empty="no events match")


@app.command("verify")
def verify(
    expect_head: Annotated[
        str | None, typer.Option(help="the head hash noted earlier: catches removed tail events")
    ] = None,
    fmt: Format = FormatOption,
) -> None:
    """Re-walk the hash chain; exit 1 naming the first altered, inserted or deleted event."""
    report = audit.verify(context(), expect_head=expect_head)
    emit_record(report.as_dict(), fmt)
    if not report.ok:
        raise Failure(report.detail)
