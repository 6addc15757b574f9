"""`tracker closure ...`"""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.options import NOW_WRITES_HELP, context, parse_date
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.closures.register import add_closure, list_closures, remove_closure

app = typer.Typer(
    help="The buyer's closure days, which business-day deadlines skip like public holidays.",
    no_args_is_help=True,
)

NowOption = typer.Option(help=NOW_WRITES_HELP)
DayArgument = typer.Argument(help="the (first) day, YYYY-MM-DD")
ToOption = typer.Option("--to", help="last day of a closed period, YYYY-MM-DD")


@app.command("add")
def add(
    day: Annotated[str, DayArgument],
    label: Annotated[str, typer.Option(help="why the office is closed, e.g. Christmas week")],
    to: Annotated[str | None, ToOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Close a day (or the days up to --to). Future obligations nobody has acted on whose
    business-day due date moves are re-planned, and each move is listed."""
    first = parse_date(day, option="DATE")
    assert first is not None
    emit_record(
        add_closure(
            context(now), first_on=first, last_on=parse_date(to, option="--to"), label=label
        ),
        fmt,
    )


@app.command("list")
def list_(
    since: Annotated[
        str | None, typer.Option("--from", help="only days from this date, YYYY-MM-DD")
    ] = None,
    fmt: Format = FormatOption,
) -> None:
    """The closure days, in date order."""
    rows = list_closures(context(), from_on=parse_date(since, option="--from"))
    emit_rows(rows, fmt, empty="no closure days")


@app.command("remove")
def remove(
    day: Annotated[str, DayArgument],
    to: Annotated[str | None, ToOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Open a closure day again (or the days up to --to); re-plans as `closure add` does."""
    first = parse_date(day, option="DATE")
    assert first is not None
    emit_record(
        remove_closure(context(now), first_on=first, last_on=parse_date(to, option="--to")),
        fmt,
    )
