"""`tracker feed`: calendar subscription addresses (created, listed, revoked)."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import exchange
from tracker.cli.options import context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows

app = typer.Typer(help="Calendar feeds (iCalendar subscription addresses).", no_args_is_help=True)


@app.command("add")
def add(
    manager: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="the contracts this manager runs")
    ] = None,
    contact: Annotated[
        int | None, typer.Option(metavar="ID", help="what this supplier contact's company owes")
    ] = None,
    contract: Annotated[str | None, typer.Option(metavar="REF", help="one contract")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Create a feed and print its address once: it is the key, keep it private."""
    emit_record(
        exchange.add_feed(context(), manager_email=manager, contact_id=contact, contract=contract),
        fmt,
    )


@app.command("list")
def list_(fmt: Format = FormatOption) -> None:
    """Every feed: what it covers, who created it, live or revoked (never the address)."""
    emit_rows(exchange.list_feeds(context()), fmt, empty="no calendar feeds yet")


@app.command("revoke")
def revoke(
    feed_id: Annotated[int, typer.Argument(metavar="ID", help="feed id from `feed list`")],
    fmt: Format = FormatOption,
) -> None:
    """Stop a feed now: calendars subscribed to it get nothing more."""
    emit_record(exchange.revoke_feed(context(), feed_id), fmt)
