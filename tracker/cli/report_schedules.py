"""`tracker report schedule add|list|remove|tick`: reports emailed for every period that ends."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import reports
from tracker.cli.options import NOW_READS_HELP, NOW_WRITES_HELP, context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows

app = typer.Typer(
    help="Reports produced and emailed for every month, quarter or year that ends.",
    no_args_is_help=True,
)

NowOption = typer.Option(help=NOW_WRITES_HELP)


@app.command("add")
def add(
    every: Annotated[str, typer.Option("--every", help="month, quarter or year")],
    scope: Annotated[
        str, typer.Option("--scope", help="portfolio, supplier:ID or contract:REFERENCE")
    ],
    to: Annotated[
        list[str],
        typer.Option("--to", help="recipients, separated by commas (the option may repeat)"),
    ],
    formats: Annotated[
        str,
        typer.Option("--format", help="files to attach, separated by commas: html,pdf,csv,xlsx"),
    ] = "html,pdf",
    skip_if_empty: Annotated[
        bool,
        typer.Option("--skip-if-empty", help="send nothing for a period with nothing due in scope"),
    ] = False,
    timezone: Annotated[
        str | None,
        typer.Option(
            help="IANA timezone whose midnight ends each period (default: TRACKER_TIMEZONE)"
        ),
    ] = None,
    now: Annotated[str | None, NowOption] = None,
    output: Annotated[
        Format,
        typer.Option("--output-format", help="how to print the schedule: table, json or csv"),
    ] = Format.TABLE,
) -> None:
    """Email a report for every period that ends from now on, starting with the current one.

    Each report is produced once, "as at" local midnight after the period's last day, and
    sent through the outbox with the files attached (`tracker worker` does this; cron
    users run `tracker report schedule tick` and `tracker relay`).
    """
    record = reports.add_schedule(
        context(now),
        every=every,
        scope=scope,
        recipients=to,
        formats=formats,
        timezone=timezone,
        skip_if_empty=skip_if_empty,
    )
    emit_record(record, output)


@app.command("list")
def list_(
    removed: Annotated[bool, typer.Option("--all", help="include removed schedules")] = False,
    now: Annotated[str | None, typer.Option(help=NOW_READS_HELP)] = None,
    fmt: Format = FormatOption,
) -> None:
    """Schedules with their last report and when the next one is due."""
    rows = reports.list_schedules(context(now, writes=False), include_removed=removed)
    emit_rows(rows, fmt, empty="no report schedules")


@app.command("remove")
def remove(
    schedule_id: Annotated[int, typer.Argument(help="schedule id from `schedule list`")],
    fmt: Format = FormatOption,
) -> None:
    """Stop a schedule; it stays listed (`schedule list --all`) with its reports."""
    emit_record(reports.remove_schedule(context(), schedule_id), fmt)


@app.command("tick")
def tick(now: Annotated[str | None, NowOption] = None, fmt: Format = FormatOption) -> None:
    """One pass: produce every scheduled report that is due and queue its email (the
    worker does this every TRACKER_REPORT_SECONDS; `tracker relay` sends the emails).
    Exits 1 if a report could not be produced."""
    report = reports.tick(context(now))
    emit_record(report.as_dict(), fmt)
    report.checked()
