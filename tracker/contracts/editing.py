"""Edit a contract's facts; a change of dates re-plans what is still open and ahead."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from tracker import validate
from tracker.audit import chain as audit
from tracker.context import Context
from tracker.contracts.dates import check_contract_dates
from tracker.contracts.register import check_value, get_by_reference
from tracker.contracts.reminder_time import move_reminder_cursors
from tracker.contracts.replanning import replan_contract
from tracker.contracts.results import ContractEdit, ContractPublic, FieldChange, audit_view
from tracker.db import write_session
from tracker.domain.schedule import ScheduleError
from tracker.errors import BadInput

DATE_FIELDS = ("start_on", "end_on", "signed_on")


def edit_contract(
    ctx: Context,
    reference: str,
    *,
    title: str | None = None,
    manager_email: str | None = None,
    value: Decimal | None = None,
    currency: str | None = None,
    start_on: date | None = None,
    end_on: date | None = None,
    signed_on: date | None = None,
    reminder_time: str | None = None,
) -> ContractEdit:
    """Change what is given, in one transaction with one audit event (before and after).

    When a date changes, future obligations nobody has acted on move to their new dates
    (or are superseded if the new dates no longer have them) and new ones are planned;
    the result lists each with its old and new due date. Decided, submitted and past
    obligations never move. A new `reminder_time` (HH:MM; blank: the site's hour) moves
    each open obligation's next reminder to the same step at the new time."""
    new_title = validate.text(title, field="title", max_length=500) if title is not None else None
    manager = validate.email(manager_email, field="manager_email") if manager_email else None
    given = (title, manager_email, value, currency, start_on, end_on, signed_on, reminder_time)
    if all(v is None for v in given):
        # No one field is wrong: the request as a whole asks for nothing.
        raise BadInput(
            "nothing to change: give a new title, manager, value, currency, date or reminder time",
            field=None,
        )
    at = (
        validate.reminder_time(reminder_time, field="reminder_time")
        if reminder_time is not None
        else None
    )
    with write_session(ctx.engine) as session:
        contract = get_by_reference(session, reference, lock=True)
        before = ContractPublic.of(contract)
        start = start_on or contract.start_on
        end = end_on or contract.end_on
        signed = signed_on or contract.signed_on
        check_contract_dates(start_on=start, end_on=end, signed_on=signed)
        dates_change = (start, end, signed) != (
            contract.start_on,
            contract.end_on,
            contract.signed_on,
        )
        if dates_change and contract.ended_on is not None:
            changed = next(
                f for f, v in zip(DATE_FIELDS, (start_on, end_on, signed_on), strict=True) if v
            )
            raise BadInput(
                f"{reference} was {contract.status} on {contract.ended_on}; its dates no "
                "longer change",
                field=changed,
            )
        if value is not None or currency is not None:
            amount, money = check_value(
                value if value is not None else contract.value_amount,
                currency or contract.currency,
            )
            contract.value_amount, contract.currency = amount, money
        if new_title is not None:
            contract.title = new_title
        if manager is not None:
            contract.manager_email = manager
        old_minute = contract.reminder_minute
        if reminder_time is not None:
            contract.reminder_minute = at
        contract.start_on, contract.end_on, contract.signed_on = start, end, signed
        session.add(contract)
        session.flush()
        after = ContractPublic.of(contract)
        changes = [
            FieldChange(f.name, getattr(before, f.name), getattr(after, f.name))
            for f in dataclasses.fields(ContractPublic)
            if getattr(before, f.name) != getattr(after, f.name)
        ]
        move_reminder_cursors(
            session, contract, old_minute=old_minute, default_hour=ctx.settings.reminder_hour
        )
        rescheduled = []
        if dates_change:
            try:
                rescheduled = replan_contract(
                    session,
                    contract,
                    now=ctx.now,
                    horizon_days=ctx.settings.horizon_days,
                    reminder_hour=ctx.settings.reminder_hour,
                )
            except ScheduleError as exc:
                raise BadInput(str(exc), field=changes[0].field if changes else None) from None
        result = ContractEdit(reference=reference, changes=changes, rescheduled=rescheduled)
        if changes:
            audit.record(
                session,
                now=ctx.now,
                actor=ctx.actor,
                entity="contract",
                entity_id=contract.id,
                contract_id=contract.id,
                action="edited",
                before=audit_view(before),
                after={**audit_view(after), **audit_view(result)},
            )
    return result
