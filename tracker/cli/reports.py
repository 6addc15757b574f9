"""`tracker report`: produce a compliance report; `report runs` and `report show` for the
record of every report produced."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli import report_schedules
from tracker.cli.options import NOW_READS_HELP, context, write_output
from tracker.cli.output import Format, FormatOption, emit_rows
from tracker.errors import BadInput
from tracker.reports import FORMATS, check_format, list_runs, produce_report, run_file, sha256

app = typer.Typer(invoke_without_command=True)

app.add_typer(report_schedules.app, name="schedule")

FORMAT_HELP = "html, pdf, csv or xlsx"


def _require(value: str | None, option: str, hint: str) -> str:
    if value is None or not value.strip():
        raise BadInput(f"{option} is required: {hint}")
    return value


def _check_output(output: Path | None) -> Path:
    if output is None:
        raise BadInput("-o/--output is required: the file to write")
    if output.is_dir():
        raise BadInput(f"-o: {output} is a directory; give a file name")
    if not (output.parent if str(output.parent) else Path(".")).is_dir():
        raise BadInput(f"-o: the directory {output.parent} does not exist")
    return output


def _format_of(output: Path) -> str:
    """The format a file name asks for: q4.pdf is a PDF."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise BadInput(
            f"--format is required: {output.name} does not end in .html, .pdf, .csv or .xlsx"
        )
    return suffix


@app.callback()
def report(
    ctx: typer.Context,
    scope: Annotated[
        str | None, typer.Option(help="portfolio, supplier:ID or contract:REFERENCE")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="2026-Q4, 2026-11, 2026 or FROM..TO (dates, both included)"),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help=FORMAT_HELP + " (default: from the -o suffix)"),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write")] = None,
    now: Annotated[str | None, typer.Option(help=NOW_READS_HELP)] = None,
) -> None:
    """Compliance reports: produce one with the options below (it is recorded), list
    them with `runs`, write one again with `show`.

    Example: tracker report --scope portfolio --period 2026-Q4 -o q4.pdf
    """
    if ctx.invoked_subcommand is not None:
        return
    if scope is None and period is None and fmt is None and output is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    _require(scope, "--scope", "portfolio, supplier:ID or contract:REF")
    _require(period, "--period", "2026-Q4, 2026-11, 2026 or A..B")
    target = _check_output(output)
    use = context(now, writes=False)
    produced = produce_report(
        use,
        scope=scope or "",
        period=period or "",
        fmt=fmt if fmt is not None else _format_of(target),
    )
    write_output(target, run_file(use, produced.run_id, produced.format))
    rate = "—" if produced.on_time_rate is None else f"{produced.on_time_rate:.1%}"
    typer.echo(
        f"wrote {target} ({produced.format}, {produced.size_bytes:,} bytes, "
        f"sha256 {produced.sha256}); report run {produced.run_id}: {produced.scope} "
        f"{produced.period}, {produced.obligations} obligations, on-time rate {rate}"
    )


@app.command("runs")
def runs(
    limit: Annotated[int, typer.Option(min=1, help="at most this many, newest first")] = 50,
    fmt: Format = FormatOption,
) -> None:
    """Every report produced: scope, period, as of, generator, SHA-256 per format, recipients."""
    rows = list_runs(context(), limit=limit)
    if fmt is Format.TABLE:
        for row in rows:
            row["formats"] = ",".join(row["formats"])
            row["hashes"] = " ".join(f"{k}:{v}" for k, v in row["hashes"].items())
            row["recipients"] = ",".join(row["recipients"])
    emit_rows(rows, fmt, empty="no reports produced yet")


@app.command("show")
def show(
    run_id: Annotated[int, typer.Argument(help="report run id (see `tracker report runs`)")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)],
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
) -> None:
    """Write a produced report again, byte for byte as it was produced."""
    fmt = check_format(fmt)
    target = _check_output(output)
    data = run_file(context(), run_id, fmt)
    write_output(target, data)
    typer.echo(f"wrote {target} (report run {run_id}, {fmt}, sha256 {sha256(data)})")
