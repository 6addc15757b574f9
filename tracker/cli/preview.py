"""`tracker preview`: the reminders and emails due between now and a date, as a rehearsal
that changes nothing and sends nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import context, parse_date
from tracker.cli.output import Format, emit_rows
from tracker.errors import BadInput
from tracker.files import write_atomic
from tracker.reminders import preview as run_preview


def preview(
    until: Annotated[str, typer.Option(help="last day to rehearse, YYYY-MM-DD")],
    contract: Annotated[
        str | None, typer.Option(help="only this contract's reminders (REFERENCE)")
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="table, json or csv")
    ] = Format.TABLE,
    write_emails: Annotated[
        Path | None,
        typer.Option(help="also write each email as a .eml file into this directory"),
    ] = None,
) -> None:
    """What the reminder sweeps from now up to --until would send: when, to whom, which
    obligation, which step. Runs the real sweep on a throwaway copy: the database is not
    changed and nothing is sent."""
    day = parse_date(until, option="--until")
    assert day is not None
    if write_emails is not None and write_emails.exists() and not write_emails.is_dir():
        raise BadInput(f"--write-emails: {write_emails} is not a directory")
    result = run_preview(context(writes=False), until=day, contract=contract)
    emit_rows(result.reminders, fmt, empty=f"no reminders would be sent up to {day}")
    if write_emails is not None:
        write_emails.mkdir(parents=True, exist_ok=True)
        for email in result.emails:
            write_atomic(write_emails / f"preview-{email.outbox_id:06d}.eml", email.raw)
        typer.echo(f"wrote {len(result.emails)} emails into {write_emails}", err=True)
