"""`tracker portal`: the supplier portal's links (listed, revoked); never their tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import portal
from tracker.cli.options import context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows

app = typer.Typer(help="Supplier portal links sent in emails.", no_args_is_help=True)


@app.command("links")
def links(
    contract: Annotated[str, typer.Option(help="contract reference")],
    fmt: Format = FormatOption,
) -> None:
    """List a contract's portal links: contact, state, expiry and how often each was used."""
    emit_rows(
        portal.list_links(context(), contract), fmt, empty="no portal links for this contract yet"
    )


@app.command("revoke")
def revoke(
    link_id: Annotated[int, typer.Argument(metavar="ID", help="link id from `portal links`")],
    fmt: Format = FormatOption,
) -> None:
    """Stop a link working now; the contact's next email carries a new one."""
    emit_record(portal.revoke_link(context(), link_id), fmt)


@app.command("language")
def language(
    contact_id: Annotated[int, typer.Argument(metavar="CONTACT_ID", help="supplier contact id")],
    code: Annotated[str, typer.Argument(metavar="LANGUAGE", help="en or sv")],
    fmt: Format = FormatOption,
) -> None:
    """Set the language of a contact's portal pages and portal emails."""
    emit_record(portal.set_contact_language(context(), contact_id, code), fmt)
