"""`tracker sweep|relay|worker|status`, `tracker outbox ...`, `tracker mail test`."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from tracker import validate
from tracker.cli.options import NOW_WRITES_HELP, context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.clock import utc_now
from tracker.config import get_settings
from tracker.db import read_session
from tracker.errors import Failure
from tracker.mail.backends import send_test, transport_from_settings
from tracker.mail.transport import Outcome
from tracker.reminders import heartbeat, outbox
from tracker.reminders import passes as ticks
from tracker.reminders.relay import counts

NowOption = typer.Option(help=NOW_WRITES_HELP)

outbox_app = typer.Typer(help="See and fix email delivery.", no_args_is_help=True)
mail_app = typer.Typer(help="Check the mail configuration.", no_args_is_help=True)


def sweep(now: Annotated[str | None, NowOption] = None, fmt: Format = FormatOption) -> None:
    """One pass: roll obligations forward, move statuses, write due reminders and emails."""
    emit_record(ticks.sweep(context(now)).as_dict(), fmt)


def relay(now: Annotated[str | None, NowOption] = None, fmt: Format = FormatOption) -> None:
    """One pass: send every email that is due through the configured mail backend."""
    ctx = context(now)
    settings = ctx.settings
    clock = (lambda: ctx.now) if now is not None else utc_now
    report = ticks.relay(ctx, lambda: transport_from_settings(settings), clock=clock)
    emit_record(report.as_dict(), fmt)


def worker() -> None:
    """Run the scheduler in the foreground: sweep and relay on their intervals until
    SIGTERM or Ctrl-C (the current unit of work finishes first)."""
    from tracker.worker import run_worker  # APScheduler is loaded only by this command

    context()  # refuse an uninitialised database before starting
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    typer.echo(
        f"worker: sweep every {settings.sweep_seconds}s, relay every "
        f"{settings.relay_seconds}s, reports every {settings.report_seconds}s, "
        f"mail to {transport_from_settings(settings).describe()}",
        err=True,
    )
    run_worker(settings)


def status(fmt: Format = FormatOption) -> None:
    """Heartbeats of the worker and delivery counts; exits 1 if a job is stale or mail failed."""
    ctx = context()
    beats = heartbeat.heartbeats(ctx.engine)
    limit = ctx.settings.heartbeat_stale_seconds
    with read_session(ctx.engine) as session:
        delivery = counts(session)
    problems = []
    record: dict[str, object] = {}
    # The report job runs less often: it is stale after three of its own intervals.
    limits = {"sweep": limit, "relay": limit, "report": max(limit, 3 * ctx.settings.report_seconds)}
    for job, job_limit in limits.items():
        beat = beats.get(job)
        last = beat.last_ok_at.isoformat() if beat and beat.last_ok_at else None
        record[f"last_{job}"] = last
        if heartbeat.stale(beat, now=ctx.now, limit_seconds=job_limit):
            problems.append(
                f"{job} has not run successfully in the last {job_limit}s"
                + ("" if last else " (never)")
            )
        if beat and beat.last_error:
            record[f"{job}_error"] = beat.last_error
    record.update({f"messages_{k}": v for k, v in delivery.items()})
    if delivery["failed"]:
        problems.append(
            f"{delivery['failed']} messages failed: `tracker outbox list --status failed`"
        )
    record["problems"] = problems
    emit_record(record, fmt)
    if problems:
        raise typer.Exit(1)


@outbox_app.command("list")
def outbox_list(
    status: Annotated[str | None, typer.Option(help="pending, sending, sent or failed")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    fmt: Format = FormatOption,
) -> None:
    """Messages, newest first."""
    emit_rows(outbox.list_messages(context(), status=status, limit=limit), fmt, empty="no messages")


@outbox_app.command("retry")
def outbox_retry(
    outbox_id: Annotated[int, typer.Argument(help="message id from `tracker outbox list`")],
    fmt: Format = FormatOption,
) -> None:
    """Send a failed message again (same Message-ID) at the next relay."""
    emit_record(outbox.retry(context(), outbox_id), fmt)


@mail_app.command("test")
def mail_test(to: Annotated[str, typer.Option(help="address to send the test message to")]) -> None:
    """Send a test message through the configured backend and print the server's answer."""
    address = validate.email(to, field="to")
    settings = get_settings()
    transport = transport_from_settings(settings)
    result = asyncio.run(send_test(settings, address))
    typer.echo(f"backend: {transport.describe()}")
    answer = f"{result.code} {result.detail}".strip() if result.code else result.detail
    if result.outcome is Outcome.SENT and not result.refused:
        typer.echo(f"sent: {answer or 'accepted'}")
        return
    refused = "; ".join(f"{r}: {c} {m}" for r, (c, m) in result.refused.items())
    raise Failure(f"{result.outcome.value}: {answer}{' ' + refused if refused else ''}")
