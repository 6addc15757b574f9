"""`tracker supplier ...`"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from tracker import contracts
from tracker.cli.options import context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows

app = typer.Typer(help="Register and edit suppliers and their contacts.", no_args_is_help=True)


class _AddUnlessNamed(TyperGroup):
    """`supplier contact 1 --email ...` (the older form) still adds a contact: arguments
    that do not start with a subcommand's name go to `add`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


contact_app = typer.Typer(
    cls=_AddUnlessNamed,
    help=(
        "Add, change or remove a supplier's contacts (compliance, account, escalation). "
        "`supplier contact SUPPLIER --email ... --role ...` is short for `contact add`."
    ),
    no_args_is_help=True,
)
app.add_typer(contact_app, name="contact")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="legal name of the supplier")],
    email: Annotated[str, typer.Option(help="compliance contact who receives reminders")],
    country: Annotated[str | None, typer.Option(help="ISO 3166 alpha-2, e.g. SE")] = None,
    identifier: Annotated[
        list[str] | None, typer.Option(help="company number or OCDS party id; repeatable")
    ] = None,
    contact_name: Annotated[str | None, typer.Option(help="name of the contact")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Register a supplier with its compliance contact; prints its id."""
    record = contracts.add_supplier(
        context(),
        name=name,
        email=email,
        country=country,
        identifiers=identifier,
        contact_name=contact_name,
    )
    emit_record(record, fmt)


@app.command("edit")
def edit(
    supplier_id: Annotated[str, typer.Argument(help="supplier id, or its exact name")],
    name: Annotated[str | None, typer.Option(help="new legal name")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 alpha-2, e.g. SE")] = None,
    identifier: Annotated[
        list[str] | None,
        typer.Option(help="company number or OCDS party id; repeatable; replaces the list"),
    ] = None,
    fmt: Format = FormatOption,
) -> None:
    """Change a supplier's name, country or identifiers."""
    record = contracts.edit_supplier(
        context(), supplier_id, name=name, country=country, identifiers=identifier
    )
    emit_record(record, fmt)


@contact_app.command("add")
def contact_add(
    supplier_id: Annotated[str, typer.Argument(help="supplier id, or its exact name")],
    email: Annotated[str, typer.Option(help="email address")],
    role: Annotated[str, typer.Option(help="compliance, account or escalation")],
    name: Annotated[str | None, typer.Option(help="name of the contact")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Add a contact (compliance, account or escalation) to a supplier."""
    emit_record(
        contracts.add_contact(context(), supplier_id, email=email, role=role, name=name), fmt
    )


@contact_app.command("edit")
def contact_edit(
    contact_id: Annotated[int, typer.Argument(help="contact id, from `tracker supplier show`")],
    email: Annotated[str | None, typer.Option(help="new email address")] = None,
    role: Annotated[str | None, typer.Option(help="compliance, account or escalation")] = None,
    name: Annotated[str | None, typer.Option(help="name of the contact")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Change a contact's email, role or name."""
    emit_record(
        contracts.edit_contact(context(), contact_id, email=email, role=role, name=name), fmt
    )


@contact_app.command("remove")
def contact_remove(
    contact_id: Annotated[int, typer.Argument(help="contact id, from `tracker supplier show`")],
    fmt: Format = FormatOption,
) -> None:
    """Stop reminding a contact; what was already sent to it stays on record."""
    emit_record(contracts.remove_contact(context(), contact_id), fmt)


@app.command("list")
def list_(fmt: Format = FormatOption) -> None:
    """List suppliers with their number of contracts."""
    emit_rows(contracts.list_suppliers(context()), fmt, empty="no suppliers yet")


@app.command("show")
def show(
    supplier_id: Annotated[str, typer.Argument(help="supplier id, or its exact name")],
    fmt: Format = FormatOption,
) -> None:
    """Show a supplier, its contacts and contracts."""
    emit_record(contracts.get_supplier(context(), supplier_id), fmt)
