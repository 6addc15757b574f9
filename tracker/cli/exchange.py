"""`tracker export ics|ocds` and `tracker import ocds|template|contracts`: data in and out."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated

import typer

from tracker import exchange
from tracker.cli.options import context, parse_date
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.errors import BadInput
from tracker.exchange.scope import Scope

export_app = typer.Typer(
    help="Export calendars (iCalendar) and open data (OCDS).", no_args_is_help=True
)
import_app = typer.Typer(
    help="Import contracts from OCDS publications or spreadsheets.", no_args_is_help=True
)

OutputOption = typer.Option("--output", "-o", help="file to write; - for standard output")


def write_output(content: bytes, output: str) -> None:
    """Write all of `content` or nothing: a half-written file is never left behind."""
    if output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    except OSError as exc:
        raise BadInput(f"{output}: cannot be written ({exc.strerror})", field="output") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        # mkstemp makes the file private; an export gets the permissions of any new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
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


@import_app.command("ocds")
def import_ocds(
    files: Annotated[
        list[str],
        typer.Argument(help="release or record packages, or JSON Lines; - for stdin"),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be created or changed; write nothing")
    ] = False,
    manager: Annotated[
        str | None, typer.Option(help="contract manager of the contracts created")
    ] = None,
    attach_suggested: Annotated[
        bool,
        typer.Option(
            "--attach-suggested",
            help="attach the clauses suggested by CPV codes and sustainability goals",
        ),
    ] = False,
    now: Annotated[str | None, typer.Option(help="act as if it were this ISO 8601 time")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Create the awarded contracts of OCDS publications, with their suppliers; update known ones.

    Every file is checked before anything is written; an invalid one is refused with the
    JSON path of the problem. Importing the same data again changes nothing; a newer
    release changes the contract, re-planning its open future obligations if dates moved.
    """
    ctx = context(now)
    with ExitStack() as stack:
        sources: list[tuple[str, IO[bytes]]] = []
        for name in files:
            if name == "-":
                # Spooled to a file: reading a package twice (its head, then its releases)
                # needs a stream that can go back.
                spool = stack.enter_context(tempfile.TemporaryFile())
                spool.write(sys.stdin.buffer.read())
                spool.seek(0)
                sources.append(("<stdin>", spool))
                continue
            try:
                sources.append((name, stack.enter_context(Path(name).open("rb"))))
            except OSError as exc:
                raise BadInput(f"{name}: cannot be read ({exc.strerror})") from None
        try:
            report = exchange.import_ocds(
                ctx,
                sources,
                dry_run=dry_run,
                manager_email=manager,
                attach_suggested=attach_suggested,
            )
        except exchange.BadPublication as exc:
            raise BadInput(f"{exc}; nothing was imported") from None
    if fmt is Format.JSON:
        emit_record(report, fmt)
        return
    emit_rows(report.contracts, fmt, empty="no contracts in these files")
    if fmt is Format.TABLE:
        counts: dict[str, int] = {}
        for outcome in report.contracts:
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
        summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "nothing"
        typer.echo(
            f"{report.releases_read} releases or records read, {report.processes} processes; "
            f"contracts: {summary}" + (" (dry run: nothing was written)" if dry_run else ""),
            err=True,
        )


@import_app.command("template")
def import_template(
    output: Annotated[str, typer.Option("--output", "-o", help="the XLSX file to write")],
) -> None:
    """Write an empty contracts workbook to fill in, with a sheet that explains each column."""
    write_output(exchange.contracts_template(), output)
    if output != "-":
        typer.echo(f"template written to {output}", err=True)


@import_app.command("contracts")
def import_contracts(
    file: Annotated[Path, typer.Argument(help="an XLSX workbook or a CSV file")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check every row and say what would be created")
    ] = False,
    now: Annotated[str | None, typer.Option(help="act as if it were this ISO 8601 time")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Register contracts (and new suppliers) from a spreadsheet, one row a contract.

    Every row is checked first; when any is wrong, every problem is listed (sheet, row,
    column) and nothing is written. Rows whose reference is registered already are skipped.
    """
    ctx = context(now)
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise BadInput(f"{file}: cannot be read ({exc.strerror})") from None
    try:
        result = exchange.import_contracts(ctx, name=file.name, content=content, dry_run=dry_run)
    except exchange.BadSpreadsheet as exc:
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise BadInput(exc.message) from None
    emit_rows(result.rows, fmt, empty="no rows in the file")
    if dry_run and fmt is Format.TABLE:
        typer.echo("dry run: nothing was written", err=True)
