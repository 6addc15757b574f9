"""`tracker supplier ...`"""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.options import context
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows
from tracker.contracts import suppliers

app = typer.Typer(help="Register suppliers and their contacts.", no_args_is_help=True)


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
    """Register a supplier with its compliance contact."""
    record = suppliers.add_supplier(
        context(),
        name=name,
        email=email,
        country=country,
        identifiers=identifier,
        contact_name=contact_name,
    )
    emit_record(record, fmt)


@app.command("contact")
def contact(
    supplier_id: Annotated[int, typer.Argument(help="supplier id")],
    email: Annotated[str, typer.Option(help="email address")],
    role: Annotated[str, typer.Option(help="compliance, account or escalation")],
    name: Annotated[str | None, typer.Option(help="name of the contact")] = None,
    fmt: Format = FormatOption,
) -> None:
    """Add a contact (compliance, account or escalation) to a supplier."""
    emit_record(
        suppliers.add_contact(context(), supplier_id, email=email, role=role, name=name), fmt
    )


@app.command("list")
def list_(fmt: Format = FormatOption) -> None:
    """List suppliers with their number of contracts."""
    emit_rows(suppliers.list_suppliers(context()), fmt, empty="no suppliers yet")


@app.command("show")
def show(
    supplier_id: Annotated[int, typer.Argument(help="supplier id")], fmt: Format = FormatOption
) -> None:
    """Show a supplier, its contacts and contracts."""
    emit_record(suppliers.get_supplier(context(), supplier_id), fmt)
