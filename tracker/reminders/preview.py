"""What the reminders would send between now and a date, without changing or sending anything.

The real sweep (`passes.sweep`) runs against a throwaway copy of the records, once per day at
the reminder hour: on SQLite a copy of the database file made with the online backup API; on
PostgreSQL one connection inside an outer transaction that is rolled back at the end. So the
preview lists exactly what the real sweeps would write, and the live records stay as they are.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from tracker.context import Context
from tracker.db import make_engine
from tracker.domain.localtime import local_instant, zone
from tracker.errors import BadInput
from tracker.models import Contract, Obligation, OutboxMessage, Reminder
from tracker.reminders.passes import sweep

# A preview steps day by day; a few years is plenty and keeps a typo from running for hours.
MAX_PREVIEW_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class PreviewedReminder:
    """One reminder a sweep would write: when it is due to go, to whom, about what."""

    at: datetime
    recipient: str
    role: str
    contract: str
    obligation_id: int
    obligation: str
    due_on: date
    step: str
    subject: str | None


@dataclass(frozen=True, slots=True)
class PreviewedEmail:
    """One email a sweep would compose, as it would be sent."""

    outbox_id: int
    recipients: tuple[str, ...]
    subject: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Preview:
    until: date
    sweeps: tuple[datetime, ...]
    reminders: tuple[PreviewedReminder, ...]
    emails: tuple[PreviewedEmail, ...]


def sweep_times(
    now: datetime,
    *,
    until: date,
    timezone: str,
    hour: int,
    also: Sequence[tuple[str, int]] = (),
) -> list[datetime]:
    """When the preview sweeps: now, then every day's reminder hour after now up to `until`
    (in `timezone`), as UTC instants; `also`: the reminder times (timezone, minutes after
    midnight) contracts chose for themselves, each day too."""
    clocks = {(timezone, hour * 60), *also}
    times = {now}
    for tz, minutes in clocks:
        day = now.astimezone(zone(tz)).date()
        while day <= until:
            at = local_instant(day, minutes // 60, tz, minutes % 60)
            if at > now:
                times.add(at)
            day += timedelta(days=1)
    return sorted(times)


def preview(ctx: Context, *, until: date, contract: str | None = None) -> Preview:
    """The reminders and emails the sweeps from now up to `until` would write."""
    today = ctx.now.astimezone(zone(ctx.settings.timezone)).date()
    if until < today:
        raise BadInput(f"is before today ({today.isoformat()})", field="until")
    if (until - today).days > MAX_PREVIEW_DAYS:
        raise BadInput(f"is more than {MAX_PREVIEW_DAYS} days ahead; preview less", field="until")
    times = sweep_times(
        ctx.now,
        until=until,
        timezone=ctx.settings.timezone,
        hour=ctx.settings.reminder_hour,
        also=_own_reminder_times(ctx.engine),
    )
    library = ctx.library  # parsed once, not once per sweep
    with _scratch(ctx.engine) as scratch:
        reminder_mark, outbox_mark = _marks(scratch)
        for at in times:
            sweep(replace(ctx, engine=scratch, now=at, _library=library))
        reminders, emails = _written(scratch, reminder_mark, outbox_mark, contract)
    return Preview(until=until, sweeps=tuple(times), reminders=reminders, emails=emails)


def _own_reminder_times(engine: Engine) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.execute(
            select(col(Contract.timezone), col(Contract.reminder_minute))
            .where(col(Contract.reminder_minute).is_not(None))
            .distinct()
        )
        return [(tz, minutes) for tz, minutes in rows]


@contextmanager
def _scratch(engine: Engine) -> Iterator[Engine]:
    """Something that behaves as the database for the sweep, and is thrown away after."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tracker-preview-") as folder:
            copy = Path(folder) / "preview.db"
            with engine.connect() as conn:
                source = cast(sqlite3.Connection, conn.connection.driver_connection)
                target = sqlite3.connect(copy)
                try:
                    source.backup(target)
                finally:
                    target.close()
            scratch = make_engine(f"sqlite:///{copy}")
            try:
                yield scratch
            finally:
                scratch.dispose()
        return
    # One connection, one outer transaction that is never committed. The savepoint makes
    # each of the sweep's sessions join it as a nested transaction ("create_savepoint"), so
    # their commits release a savepoint and the final rollback undoes everything.
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            conn.begin_nested()
            # The sweep takes an Engine; a Connection offers what it uses (sessions bind to
            # it, execution_options) and keeps every statement inside `outer`.
            yield cast(Engine, conn)
        finally:
            outer.rollback()


def _marks(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        reminder = session.execute(select(func.max(col(Reminder.id)))).scalar()
        message = session.execute(select(func.max(col(OutboxMessage.id)))).scalar()
    return int(reminder or 0), int(message or 0)


def _written(
    engine: Engine, reminder_mark: int, outbox_mark: int, contract: str | None
) -> tuple[tuple[PreviewedReminder, ...], tuple[PreviewedEmail, ...]]:
    stmt = (
        select(Reminder, Obligation, Contract.reference, OutboxMessage.subject)  # type: ignore[call-overload]
        .join(Obligation, col(Obligation.id) == col(Reminder.obligation_id))
        .join(Contract, col(Contract.id) == col(Reminder.contract_id))
        .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(Reminder.outbox_id))
        .where(col(Reminder.id) > reminder_mark)
        .order_by(col(Reminder.scheduled_at), col(Reminder.id))
    )
    if contract is not None:
        stmt = stmt.where(col(Contract.reference) == contract)
    messages = (
        select(OutboxMessage, Contract.reference)  # type: ignore[call-overload]
        .outerjoin(Contract, col(Contract.id) == col(OutboxMessage.contract_id))
        .where(col(OutboxMessage.id) > outbox_mark)
        .order_by(col(OutboxMessage.id))
    )
    if contract is not None:
        messages = messages.where(col(Contract.reference) == contract)
    with Session(engine) as session:
        if (
            contract is not None
            and session.execute(
                select(Contract.id).where(col(Contract.reference) == contract)  # type: ignore[call-overload]
            ).first()
            is None
        ):
            raise BadInput(f"no contract {contract!r}", field="contract")
        reminders = tuple(
            PreviewedReminder(
                at=reminder.scheduled_at,
                recipient=reminder.recipient,
                role=reminder.recipient_role,
                contract=reference,
                obligation_id=obligation.id,
                obligation=obligation.title,
                due_on=reminder.due_on,
                step=reminder.step,
                subject=subject,
            )
            for reminder, obligation, reference, subject in session.execute(stmt)
        )
        emails = tuple(
            PreviewedEmail(
                outbox_id=message.id,
                recipients=tuple(message.recipients),
                subject=message.subject,
                raw=message.raw,
            )
            for message, _reference in session.execute(messages)
        )
    return reminders, emails
