"""`tracker export ics|ocds` and `tracker import ocds`: data in and out of the tracker."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from tracker import exchange
from tracker.cli.options import context
from tracker.exchange.scope import Scope

export_app = typer.Typer(help="Export calendars (iCalendar) and open data (OCDS).")
import_app = typer.Typer(help="Import contracts from OCDS publications.")

OutputOption = typer.Option("--output", "-o", help="file to write; - for standard output")


def write_output(content: bytes, output: str) -> None:
    """Write all of `content` or nothing: a half-written file is never left behind."""
    if output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@export_app.command("ics")
def export_ics(
    contract: Annotated[str | None, typer.Option(help="only this contract (reference)")] = None,
    manager: Annotated[str | None, typer.Option(help="contracts this manager runs")] = None,
    supplier: Annotated[int | None, typer.Option(help="contracts of this supplier (id)")] = None,
    output: Annotated[str, OutputOption] = "-",
    now: Annotated[str | None, typer.Option(help="act as if it were this ISO 8601 time")] = None,
) -> None:
    """A calendar of obligation deadlines: one all-day event per obligation, with alarms."""
    feed = exchange.calendar_feed(
        context(now), Scope(contract=contract, manager_email=manager, supplier_id=supplier)
    )
    write_output(feed.content, output)
    if output != "-":
        typer.echo(f"{feed.events} events written to {output}", err=True)
