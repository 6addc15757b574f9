"""`tracker contract ...`"""

from __future__ import annotations

from typing import Annotated

import typer

from tracker import contracts
from tracker.cli.options import (
    NOW_READS_HELP,
    NOW_WRITES_HELP,
    context,
    parse_date,
    parse_money,
    parse_params,
)
from tracker.cli.output import Format, FormatOption, emit_record, emit_rows

app = typer.Typer(
    help="Register contracts, attach clauses, record events, edit and end contracts.",
    no_args_is_help=True,
)

NowOption = typer.Option(help=NOW_WRITES_HELP)
ReminderTimeOption = typer.Option(
    help="when its reminders go out, HH:MM in its timezone [TRACKER_REMINDER_HOUR]"
)


@app.command("add")
def add(
    reference: Annotated[str, typer.Argument(help="the buyer's contract reference")],
    supplier: Annotated[str, typer.Option(help="supplier id, or its exact name")],
    title: Annotated[str, typer.Option(help="contract title")],
    start: Annotated[str, typer.Option(help="start date, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="end date, YYYY-MM-DD")],
    signed: Annotated[str | None, typer.Option(help="signature date, YYYY-MM-DD")] = None,
    manager: Annotated[str | None, typer.Option(help="contract manager's email")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA timezone of the deadlines [TRACKER_TIMEZONE]")
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="country whose public holidays count [TRACKER_COUNTRY]")
    ] = None,
    buyer: Annotated[str | None, typer.Option(help="contracting authority")] = None,
    value: Annotated[
        str | None,
        typer.Option(help="contract value, e.g. 125000.00, 125000,00 or 125,000.00"),
    ] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code, e.g. EUR")] = None,
    cpv: Annotated[list[str] | None, typer.Option(help="CPV code; repeatable")] = None,
    status: Annotated[str, typer.Option(help="pending or active")] = "active",
    reminder_time: Annotated[str | None, ReminderTimeOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Register a contract."""
    start_on = parse_date(start, option="--start")
    end_on = parse_date(end, option="--end")
    assert start_on is not None
    assert end_on is not None
    record = contracts.add_contract(
        context(),
        reference=reference,
        supplier_id=supplier,
        title=title,
        start_on=start_on,
        end_on=end_on,
        signed_on=parse_date(signed, option="--signed"),
        manager_email=manager,
        timezone=timezone,
        country=country,
        buyer=buyer,
        value=parse_money(value),
        currency=currency,
        cpv_codes=cpv,
        status=status,
        reminder_time=reminder_time,
    )
    emit_record(record, fmt)


@app.command("edit")
def edit(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    title: Annotated[str | None, typer.Option(help="new title")] = None,
    manager: Annotated[str | None, typer.Option(help="contract manager's email")] = None,
    value: Annotated[str | None, typer.Option(help="contract value, e.g. 125000.00")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code, e.g. EUR")] = None,
    start: Annotated[str | None, typer.Option(help="start date, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option(help="end date, YYYY-MM-DD")] = None,
    signed: Annotated[str | None, typer.Option(help="signature date, YYYY-MM-DD")] = None,
    reminder_time: Annotated[str | None, ReminderTimeOption] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Change a contract's title, manager, value, dates or reminder time.

    A changed date moves future obligations nobody has acted on to their new due dates
    (and lists each move); submitted, decided and past obligations never move. A new
    reminder time moves each open obligation's next reminder to that time ("" for the
    site's hour again).
    """
    record = contracts.edit_contract(
        context(now),
        reference,
        title=title,
        manager_email=manager,
        value=parse_money(value),
        currency=currency,
        start_on=parse_date(start, option="--start"),
        end_on=parse_date(end, option="--end"),
        signed_on=parse_date(signed, option="--signed"),
        reminder_time=reminder_time,
    )
    emit_record(record, fmt)


@app.command("detach")
def detach(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    clause_id: Annotated[str, typer.Argument(help="clause id attached to the contract")],
    reason: Annotated[str, typer.Option(help="why the clause no longer applies")],
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Detach a clause: its future undecided obligations are superseded, history stays."""
    emit_record(contracts.detach_clause(context(now), reference, clause_id, reason=reason), fmt)


@app.command("end")
def end(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    status: Annotated[str, typer.Option(help="terminated or cancelled")],
    on: Annotated[str, typer.Option(help="the day it ended, YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="why it ended")],
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """End a contract early: no more planning or reminders; its history stays in reports."""
    ended_on = parse_date(on, option="--on")
    assert ended_on is not None
    record = contracts.end_contract(
        context(now), reference, status=status, ended_on=ended_on, reason=reason
    )
    emit_record(record, fmt)


@app.command("list")
def list_(
    supplier: Annotated[str | None, typer.Option(help="only this supplier's (id or name)")] = None,
    status: Annotated[str | None, typer.Option(help="only contracts with this status")] = None,
    fmt: Format = FormatOption,
) -> None:
    """List contracts."""
    rows = contracts.list_contracts(context(), supplier_id=supplier, status=status)
    emit_rows(rows, fmt, empty="no contracts yet")


@app.command("show")
def show(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    fmt: Format = FormatOption,
) -> None:
    """Show a contract, its clauses and its whole schedule of obligations."""
    emit_record(contracts.get_contract(context(), reference), fmt)


@app.command("attach")
def attach(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    clause_id: Annotated[str, typer.Argument(help="clause id from `tracker clauses list`")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE; repeatable")
    ] = None,
    plan_from: Annotated[
        str | None,
        typer.Option(
            "--from", help="skip duties due before this date (taking over a running contract)"
        ),
    ] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Attach a clause (its current version is pinned) and plan its obligations."""
    record = contracts.attach_clause(
        context(now),
        reference,
        clause_id,
        params=parse_params(param),
        plan_from=parse_date(plan_from, option="--from"),
    )
    emit_record(record, fmt)


@app.command("event")
def event(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    name: Annotated[str, typer.Argument(help="e.g. new_product_model, supplier_site_change")],
    on: Annotated[str | None, typer.Option(help="date it happened (default: today)")] = None,
    note: Annotated[str | None, typer.Option(help="what happened")] = None,
    plan: Annotated[
        str | None,
        typer.Option(help="which deadline the clauses offer applies, e.g. priority"),
    ] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Record an event and plan the obligations it starts."""
    record = contracts.raise_event(
        context(now),
        reference,
        name,
        occurred_on=parse_date(on, option="--on"),
        note=note,
        plan=plan,
    )
    emit_record(record, fmt)


@app.command("event-close")
def event_close(
    event_id: Annotated[int, typer.Argument(help="event id (see `contract show`)")],
    on: Annotated[str | None, typer.Option(help="date it was closed (default: today)")] = None,
    note: Annotated[str | None, typer.Option(help="how it was closed")] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Close an event: duties that repeat until it is closed stop after that date."""
    record = contracts.close_event(
        context(now), event_id, closed_on=parse_date(on, option="--on"), note=note
    )
    emit_record(record, fmt)


@app.command("upgrade-clause")
def upgrade_clause(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    clause_id: Annotated[str, typer.Argument(help="clause id")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE; repeatable")
    ] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Move a contract to the library's newest version of a clause.

    Past obligations and those already submitted or decided stay as they are; future,
    unfulfilled ones are superseded and re-planned from the new version.
    """
    record = contracts.upgrade_clause(
        context(now), reference, clause_id, params=parse_params(param)
    )
    emit_record(record, fmt)


model_app = typer.Typer(
    help="The product models delivered under a contract, each with its own certificate.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")


@model_app.command("add")
def model_add(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    manufacturer: Annotated[str, typer.Option(help="manufacturer (brand owner)")],
    name: Annotated[str, typer.Option(help="model name or number, as on the certificate")],
    product_type: Annotated[str, typer.Option(help="e.g. notebook, monitor, smartphone")],
    first_delivery_on: Annotated[str, typer.Option(help="date of the first delivery")],
    last_delivery_on: Annotated[
        str | None, typer.Option(help="date of the last delivery, if known")
    ] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """Register a delivered model and plan its own certificate duties."""
    first = parse_date(first_delivery_on, option="--first-delivery-on")
    assert first is not None
    record = contracts.add_model(
        context(now),
        reference,
        manufacturer=manufacturer,
        name=name,
        product_type=product_type,
        first_delivery_on=first,
        last_delivery_on=parse_date(last_delivery_on, option="--last-delivery-on"),
    )
    emit_record(record, fmt)


@model_app.command("list")
def model_list(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    now: Annotated[str | None, typer.Option(help=NOW_READS_HELP)] = None,
    fmt: Format = FormatOption,
) -> None:
    """The contract's models, one row per certificate scheme: number, generation, valid
    until and status (valid, expiring, missing, overdue, retired; no_scheme without one)."""
    rows = contracts.model_rows(context(now, writes=False), reference)
    emit_rows(rows, fmt, empty="no product models")


@model_app.command("retire")
def model_retire(
    reference: Annotated[str, typer.Argument(help="contract reference")],
    model_id: Annotated[int, typer.Argument(help="model id (see `contract model list`)")],
    reason: Annotated[str, typer.Option(help="why the model is no longer delivered")],
    retired_on: Annotated[str | None, typer.Option(help="date (default: today)")] = None,
    now: Annotated[str | None, NowOption] = None,
    fmt: Format = FormatOption,
) -> None:
    """No more deliveries of a model: its duties from that date on are closed."""
    record = contracts.retire_model(
        context(now),
        reference,
        model_id,
        reason=reason,
        retired_on=parse_date(retired_on, option="--retired-on"),
    )
    emit_record(record, fmt)
