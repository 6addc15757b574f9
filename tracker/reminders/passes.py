"""One pass of each periodic job, as loops of restartable units of work.

Each unit runs in its own transaction and reports whether it found work; a pass repeats
units until none is left or `stop()` says the process is shutting down, so SIGTERM lets
the current unit finish and loses nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tracker.clock import utc_now
from tracker.context import Context
from tracker.db import write_session
from tracker.mail.transport import Outcome, Transport
from tracker.obligations.planning import VersionCache, roll_forward_batch
from tracker.reminders.compose import MailSettings, compose_batch
from tracker.reminders.enqueue import reminder_batch, status_batch
from tracker.reminders.relay import Delivered, claim, deliver, record, worker_id

Stop = Callable[[], bool]
# Messages per claim: each batch opens one SMTP connection and one claim transaction.
RELAY_BATCH = 200


def _never() -> bool:
    return False


def mail_settings(ctx: Context) -> MailSettings:
    return MailSettings(
        sender=ctx.settings.mail_from,
        base_url=ctx.settings.base_url,
        manager_digest=ctx.settings.manager_digest,
    )


@dataclass
class SweepReport:
    contract_clauses_planned: int = 0
    obligations_planned: int = 0
    now_due: int = 0
    now_overdue: int = 0
    obligations_reminded: int = 0
    messages_composed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sweep(ctx: Context, *, stop: Stop = _never, remind: bool = True) -> SweepReport:
    """Roll the horizon forward, move statuses, write due reminders, compose messages
    (`remind=False`: only the first two, which is `tracker plan`)."""
    report = SweepReport()
    clauses = VersionCache(ctx.engine)
    settings = ctx.settings
    while not stop():
        with write_session(ctx.engine) as session:
            done, new = roll_forward_batch(
                session,
                now=ctx.now,
                horizon_days=settings.horizon_days,
                reminder_hour=settings.reminder_hour,
                clauses=clauses,
            )
        if not done:
            break
        report.contract_clauses_planned += done
        report.obligations_planned += new
    moved: Counter[str] = Counter()
    while not stop():
        with write_session(ctx.engine) as session:
            looked = status_batch(session, now=ctx.now, moved=moved)
        if not looked:
            break
    report.now_due, report.now_overdue = moved["due"], moved["overdue"]
    if not remind:
        return report
    while not stop():
        with write_session(ctx.engine) as session:
            reminded = reminder_batch(
                session, now=ctx.now, reminder_hour=settings.reminder_hour, clauses=clauses
            )
        if not reminded:
            break
        report.obligations_reminded += reminded
    mail = mail_settings(ctx)
    while not stop():
        with write_session(ctx.engine) as session:
            composed = compose_batch(session, now=ctx.now, mail=mail, clauses=clauses)
        if not composed:
            break
        report.messages_composed += composed
    return report


@dataclass
class RelayReport:
    attempted: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def relay(
    ctx: Context,
    transport: Callable[[], Transport],
    *,
    batch: int = RELAY_BATCH,
    stop: Stop = _never,
    clock: Callable[[], datetime] = utc_now,
) -> RelayReport:
    """Send every message that is due, batch by batch, each over one connection.

    `clock` is the real time in the worker; `tracker relay --now` fixes it, so messages
    composed by a sweep at a pretended time are due for the relay too.
    """
    report = RelayReport()
    worker = worker_id()
    clauses = VersionCache(ctx.engine)
    mail = mail_settings(ctx)
    while not stop():
        with write_session(ctx.engine) as session:
            claimed = claim(session, now=clock(), worker=worker, limit=batch)
        if not claimed:
            break

        def save(batch: list[Delivered]) -> None:
            with write_session(ctx.engine) as session:
                record(session, batch, now=clock(), worker=worker, mail=mail, clauses=clauses)

        delivered = asyncio.run(deliver(transport(), claimed, save=save, stop=stop))
        for d in delivered:
            report.attempted += 1
            outcome = d.result.outcome
            if outcome is Outcome.SENT and not d.result.refused:
                report.sent += 1
            elif outcome is Outcome.PERMANENT:
                report.failed += 1
            else:
                report.retrying += 1
        if len(delivered) < len(claimed):
            break  # stopping: the rest keep their lease until it expires
    return report
