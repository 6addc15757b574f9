"""`tracker sweep|relay|worker|status`, `tracker outbox ...`, `tracker mail test`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from tracker import reminders
from tracker.cli.options import NOW_WRITES_HELP, context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.clock import utc_now
from tracker.config import get_settings
from tracker.errors import Failure

NowOption = typer.Option(help=NOW_WRITES_HELP)

outbox_app = typer.Typer(help="See and fix email delivery.", no_args_is_help=True)
mail_app = typer.Typer(help="Check the mail configuration.", no_args_is_help=True)


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def sweep(now: Annotated[str | None, NowOption] = None, fmt: Format = FormatOption) -> None:
    """One pass: roll obligations forward, move statuses, write due reminders and emails."""
    emit_record(reminders.sweep(context(now)), fmt)


def relay(now: Annotated[str | None, NowOption] = None, fmt: Format = FormatOption) -> None:
    """One pass: send every email that is due through the configured mail backend."""
    ctx = context(now)
    clock = (lambda: ctx.now) if now is not None else utc_now
    emit_record(reminders.relay(ctx, clock=clock), fmt)


def worker(
    log_format: Annotated[
        LogFormat, typer.Option(help="text, or json: one JSON object per line for log collectors")
    ] = LogFormat.TEXT,
) -> None:
    """Run the scheduler in the foreground: sweep and relay on their intervals until
    SIGTERM or Ctrl-C (the current unit of work finishes first)."""
    from tracker.worker import configure_logging, run_worker  # APScheduler: only here

    context()  # refuse an uninitialised database before starting
    configure_logging(json_lines=log_format is LogFormat.JSON)
    run_worker(get_settings())


def status(fmt: Format = FormatOption) -> None:
    """Heartbeats of the periodic jobs and delivery counts; exits 1 if a job is stale or
    mail failed or was refused by some recipients."""
    report = reminders.check_health(context())
    record: dict[str, object] = {"ok": report.ok}
    for job in report.jobs:
        record[f"last_{job.job}"] = job.last_ok_at.isoformat() if job.last_ok_at else None
        if job.last_error:
            record[f"{job.job}_error"] = job.last_error
    record.update({f"messages_{k}": v for k, v in report.messages.items()})
    problems = list(report.problems)
    if report.messages.get("failed"):
        problems.append("see `tracker outbox list --status failed`")
    if report.partial:
        problems.append("see `tracker outbox list --status partial`")
    record["problems"] = problems
    record["partially_delivered"] = [
        {"id": p.id, "subject": p.subject, "refused": ", ".join(p.refused)} for p in report.partial
    ]
    emit_record(record, fmt)
    if not report.ok:
        raise typer.Exit(1)


@outbox_app.command("list")
def outbox_list(
    status: Annotated[
        str | None, typer.Option(help="pending, sending, sent, partial or failed")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    fmt: Format = FormatOption,
) -> None:
    """Messages, newest first."""
    rows = reminders.list_messages(context(), status=status, limit=limit)
    emit_rows(rows, fmt, empty="no messages")


@outbox_app.command("show")
def outbox_show(
    outbox_id: Annotated[int, typer.Argument(help="message id from `tracker outbox list`")],
    fmt: Format = FormatOption,
) -> None:
    """One email as the recipient reads it (headers, text, attachments) and its deliveries."""
    view = reminders.show_message(context(), outbox_id)
    if fmt is not Format.TABLE:
        emit_record(view, fmt)
        return
    for name, value in view.headers:
        typer.echo(f"{name}: {value}")
    typer.echo(f"Status: {view.status}{' (' + view.last_error + ')' if view.last_error else ''}")
    for address, why in view.refused.items():
        typer.echo(f"Refused: {address}: {why}")
    typer.echo("")
    typer.echo(view.text.rstrip("\n") if view.text else "(no text)")
    if view.attachments:
        typer.echo("\nAttachments:")
        for f in view.attachments:
            typer.echo(f"  {f.name} ({f.content_type}, {f.size_bytes} bytes)")
    typer.echo("\nDeliveries:")
    emit_rows(view.deliveries, Format.TABLE, empty="  (not tried yet)")


@outbox_app.command("retry")
def outbox_retry(
    outbox_id: Annotated[int, typer.Argument(help="message id from `tracker outbox list`")],
    fmt: Format = FormatOption,
) -> None:
    """Send a failed message again (same Message-ID) at the next relay; a partially
    delivered one goes again to those who refused it."""
    emit_record(reminders.retry(context(), outbox_id), fmt)


@mail_app.command("test")
def mail_test(to: Annotated[str, typer.Option(help="address to send the test message to")]) -> None:
    """Send a test message through the configured backend and print the server's answer."""
    result = reminders.send_test_message(get_settings(), to)
    typer.echo(f"backend: {result.backend}")
    if result.sent:
        typer.echo(f"sent: {result.answer or 'accepted'}")
        return
    refused = f" {result.refused}" if result.refused else ""
    raise Failure(f"{result.outcome}: {result.answer}{refused}")
