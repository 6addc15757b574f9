"""`tracker export ics|ocds` and `tracker import ocds`: data in and out of the tracker."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from tracker import exchange
from tracker.cli.options import context, parse_date
from tracker.errors import BadInput
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


def _instant(value: str | None, *, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadInput(f"{value!r} is not an ISO 8601 time with an offset", field=field)
    return moment


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


@export_app.command("ocds")
def export_ocds(
    contract: Annotated[str | None, typer.Option(help="only this contract (reference)")] = None,
    since: Annotated[
        str | None, typer.Option(help="only contracts changed on or after this date (UTC)")
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="publishedDate, ISO 8601 (default: the newest change in the data)"),
    ] = None,
    ocid_prefix: Annotated[
        str, typer.Option(help="your registered OCID prefix, for contracts not imported")
    ] = "ocds-tracker",
    publisher: Annotated[str, typer.Option(help="publisher name")] = "Clause Tracker",
    uri: Annotated[str | None, typer.Option(help="where the package is published")] = None,
    output: Annotated[str, OutputOption] = "-",
) -> None:
    """An OCDS 1.1 release package: obligations as implementation milestones, accepted
    non-restricted evidence as documents. The same data gives the same bytes."""
    ctx = context()
    result = exchange.export_ocds(
        ctx,
        contract=contract,
        since=parse_date(since, option="--since"),
        published=_instant(published, field="published"),
        ocid_prefix=ocid_prefix,
        publisher=publisher,
        uri=uri,
    )
    write_output(result.content, output)
    if output != "-":
        typer.echo(
            f"{result.releases} releases, {result.milestones} milestones, "
            f"{result.documents} documents written to {output}",
            err=True,
        )
