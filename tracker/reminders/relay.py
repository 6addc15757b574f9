"""The outbox relay: claim messages with a lease, send outside any transaction, record.

At-least-once: a message is marked sent only after the server accepted it; a relay that
dies mid-send leaves its lease to expire (`next_attempt_at` is the lease's end) and another
relay sends it again with the same Message-ID. Failures are classified by the transport:
transient and ambiguous ones are retried with exponential backoff and jitter, permanent
ones fail at once and the contract manager is told.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from tracker.clock import utc_now
from tracker.library.schema import ClauseFile
from tracker.mail.message import as_bytes, build_message, domain_of, new_message_id
from tracker.mail.transport import DeliveryResult, Envelope, Outcome, Transport
from tracker.models import (
    Contract,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    Reminder,
    table_of,
)
from tracker.reminders.compose import MailSettings, item_view, reminder_items
from tracker.rendering import render

LEASE = timedelta(minutes=5)
# Results saved together: a crash repeats at most this many (plus the one in flight).
SAVE_GROUP = 16
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=1)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempt: int, *, rng: Callable[[], float] = random.random) -> timedelta:
    """60 s, 120 s, 240 s ... capped at an hour, each with ±20 % jitter so that many
    messages failing together do not retry together."""
    base = min(BACKOFF_BASE * (1 << min(max(attempt - 1, 0), 16)), BACKOFF_CAP)
    return base * (0.8 + 0.4 * rng())


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    attempt: int
    contract_id: int | None
    notify_on_failure: bool


def claim(
    session: Session, *, now: datetime, worker: str, limit: int, lease: timedelta = LEASE
) -> list[Claimed]:
    """Take up to `limit` messages that are due (pending, or a lease that expired)."""
    due = (
        select(col(OutboxMessage.id))
        .where(
            col(OutboxMessage.status).in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
            col(OutboxMessage.next_attempt_at) <= now,
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        return []
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(
            status=OutboxStatus.SENDING.value,
            lease_owner=worker,
            next_attempt_at=now + lease,
            attempts=col(OutboxMessage.attempts) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(
            col(OutboxMessage.id),
            col(OutboxMessage.message_id),
            col(OutboxMessage.sender),
            col(OutboxMessage.pending_recipients),
            col(OutboxMessage.raw),
            col(OutboxMessage.attempts),
            col(OutboxMessage.contract_id),
            col(OutboxMessage.notify_on_failure),
        )
        .where(col(OutboxMessage.id).in_(ids))
        .order_by(col(OutboxMessage.id))
    )
    return [Claimed(i, m, s, tuple(r), bytes(raw), a, c, n) for i, m, s, r, raw, a, c, n in rows]


@dataclass(frozen=True)
class Delivered:
    claimed: Claimed
    result: DeliveryResult
    started_at: datetime
    finished_at: datetime


async def deliver(
    transport: Transport,
    claimed: Sequence[Claimed],
    *,
    save: Callable[[list[Delivered]], None],
    stop: Callable[[], bool] = lambda: False,
) -> list[Delivered]:
    """Send each claimed message over one connection, saving results as they come.

    Saves run in a thread while sending goes on, SAVE_GROUP results or more at a time
    (group commit). A relay killed mid-batch re-sends only what was in flight or not yet
    committed, each with its own Message-ID, and commits are not paid per message.
    Stopping early leaves the rest to their leases.
    """
    done: list[Delivered] = []
    waiting: list[Delivered] = []
    saving: asyncio.Future[None] | None = None
    async with transport:
        for item in claimed:
            if stop():
                break
            started = utc_now()
            result = await transport.send(
                Envelope(item.message_id, item.sender, item.recipients, item.raw)
            )
            delivered = Delivered(item, result, started, utc_now())
            done.append(delivered)
            waiting.append(delivered)
            if len(waiting) >= SAVE_GROUP and (saving is None or saving.done()):
                if saving is not None:
                    await saving  # surfaces a failed save
                saving = asyncio.ensure_future(asyncio.to_thread(save, waiting))
                waiting = []
        if saving is not None:
            await saving
        if waiting:
            await asyncio.to_thread(save, waiting)
    return done


def record(
    session: Session,
    delivered: Sequence[Delivered],
    *,
    now: datetime,
    worker: str,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
    max_attempts: int = MAX_ATTEMPTS,
) -> None:
    """Write every attempt and move each message on, only if this worker still holds it.

    Set-based for the common case (accepted, nothing refused): one INSERT of attempt rows
    and one UPDATE for all of them; only failures are handled one by one.
    """
    if not delivered:
        return
    session.execute(
        insert(table_of(DeliveryAttempt)),
        [
            {
                "outbox_id": d.claimed.id,
                "attempt": d.claimed.attempt,
                "worker": worker,
                "started_at": d.started_at,
                "finished_at": d.finished_at,
                "outcome": d.result.outcome.value,
                "code": d.result.code,
                "detail": d.result.detail[:2000],
                "accepted": list(d.result.accepted),
                "refused": {k: list(v) for k, v in d.result.refused.items()},
            }
            for d in delivered
        ],
    )
    held = (
        col(OutboxMessage.lease_owner) == worker,
        col(OutboxMessage.status) == OutboxStatus.SENDING.value,
    )
    plain = [
        d.claimed.id for d in delivered if d.result.outcome is Outcome.SENT and not d.result.refused
    ]
    if plain:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(plain), *held)
            .values(
                status=OutboxStatus.SENT.value,
                pending_recipients=[],
                sent_at=now,
                lease_owner=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
    for d in delivered:
        item, result = d.claimed, d.result
        if item.id in plain:
            continue
        values, failed = _next_state(item, result, now=now, max_attempts=max_attempts)
        moved = session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == item.id, *held)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if moved and failed and item.notify_on_failure:
            notice = _failure_notice(
                session, item, failed, result, now=now, mail=mail, clauses=clauses
            )
            if notice is not None:
                session.add(notice)


def _next_state(
    item: Claimed, result: DeliveryResult, *, now: datetime, max_attempts: int
) -> tuple[dict[str, Any], list[str]]:
    """The message's new columns, and the recipients that failed for good."""
    error = f"{result.code or ''} {result.detail}".strip()[:2000] or None
    if result.outcome is Outcome.SENT:
        retry = [r for r, (code, _) in result.refused.items() if 400 <= code < 500]
        gone = [r for r, (code, _) in result.refused.items() if code >= 500]
        if retry and item.attempt < max_attempts:
            return (
                {
                    "status": OutboxStatus.PENDING.value,
                    "pending_recipients": retry,
                    "next_attempt_at": now + backoff(item.attempt),
                    "last_error": error,
                    "lease_owner": None,
                },
                gone,
            )
        return (
            {
                "status": OutboxStatus.SENT.value,
                "pending_recipients": [],
                "sent_at": now,
                "lease_owner": None,
                "last_error": error if gone or retry else None,
            },
            gone + retry,
        )
    if result.outcome is Outcome.PERMANENT or item.attempt >= max_attempts:
        return (
            {"status": OutboxStatus.FAILED.value, "last_error": error, "lease_owner": None},
            list(item.recipients),
        )
    # Transient or ambiguous: the same message, same Message-ID, later.
    return (
        {
            "status": OutboxStatus.PENDING.value,
            "next_attempt_at": now + backoff(item.attempt),
            "last_error": error,
            "lease_owner": None,
        },
        [],
    )


def _failure_notice(
    session: Session,
    item: Claimed,
    failed: list[str],
    result: DeliveryResult,
    *,
    now: datetime,
    mail: MailSettings,
    clauses: Callable[[int], ClauseFile],
) -> OutboxMessage | None:
    """Tell the contract manager a reminder could not be delivered (never about a notice)."""
    if item.contract_id is None:
        return None
    manager = session.scalars(
        select(col(Contract.manager_email)).where(col(Contract.id) == item.contract_id)
    ).first()
    if not manager:
        return None
    rows = session.execute(reminder_items().where(col(Reminder.outbox_id) == item.id)).all()
    items = list({r.obligation_id: item_view(r, clauses, mail.base_url) for r in rows}.values())
    reference = rows[0].reference if rows else ""
    subject = f"[{reference}] Reminder not delivered to {', '.join(failed)}"
    context = {
        "items": items,
        "buyer": "you",
        "manager": None,
        "subject": subject,
        "failed_recipients": failed,
        "error": f"{result.code or ''} {result.detail}".strip(),
        "outbox_id": item.id,
        "show_supplier": True,
    }
    group_key = f"failure:{item.id}:{item.attempt}"
    message_id = new_message_id(group_key, domain_of(parseaddr(mail.sender)[1]))
    msg = build_message(
        message_id=message_id,
        sender=mail.sender,
        to=[manager],
        subject=subject,
        text=render("email/delivery_failure.txt", **context),
        html=render("email/delivery_failure.html", **context),
    )
    return OutboxMessage(
        group_key=group_key,
        message_id=message_id,
        kind="delivery_failure",
        contract_id=item.contract_id,
        sender=parseaddr(mail.sender)[1],
        recipients=[manager],
        pending_recipients=[manager],
        subject=subject,
        raw=as_bytes(msg),
        next_attempt_at=now,
        created_at=now,
        notify_on_failure=False,
    )


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
    )
    found = {status: int(n) for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in OutboxStatus}
