"""The outbox relay: claim messages with a lease, send outside any transaction, record.

At-least-once: a message is marked sent only after the server accepted it; a relay that
dies mid-send leaves its lease to expire (`next_attempt_at` is the lease's end) and another
relay sends it again with the same Message-ID. Failures are classified by the transport:
transient and ambiguous ones are retried with capped exponential backoff and jitter for a
time (`TRACKER_MAIL_RETRY_HOURS` from the first failure), permanent ones fail at once.
Only real attempts count: a claim is not an attempt, nor is a message the transport gave
up on unsent because the connection had already failed. Recipients refused for good while
others accepted leave the message `partial`, with each refusal recorded. Contract managers
get one summary of what could not be delivered, per relay pass, not one email per message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import socket
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from tracker.bulk import driver_instant
from tracker.clock import utc_now
from tracker.mail.message import domain_of, new_message_id, render_bytes
from tracker.mail.transport import DeliveryResult, Envelope, Outcome, Transport
from tracker.models import (
    Contract,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    table_of,
)
from tracker.portal.mailing import Filler
from tracker.reminders.compose import MailSettings
from tracker.rendering import render

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# Results saved together: a crash repeats at most this many (plus the one in flight).
SAVE_GROUP = 16
RETRY_FOR = timedelta(hours=72)
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=1)
# Messages one summary to a contract manager lists at most (the rest: the next summary).
NOTICE_BATCH = 500


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
    attempt: int  # the number this attempt gets if it is made
    contract_id: int | None
    notify_on_failure: bool
    retry_until: datetime | None = None
    label: str = ""
    refused: tuple[tuple[str, str], ...] = ()  # refusals recorded by earlier attempts
    everyone: tuple[str, ...] = ()  # all the message's recipients, reached or not


def file_label(created_at: datetime, reference: str | None, kind: str, outbox_id: int) -> str:
    """'2027-03-15T0800Z_RA-2027-017_reminder_42': sorts by date, says what it is."""
    stamp = created_at.strftime("%Y-%m-%dT%H%MZ")
    what = "reminder" if kind not in ("digest", "report", "delivery_failure") else kind
    return "_".join(p for p in (stamp, reference or "", what, str(outbox_id)) if p)


def claim(
    session: Session,
    *,
    now: datetime,
    worker: str,
    limit: int,
    lease: timedelta = LEASE,
    links: Filler | None = None,
) -> list[Claimed]:
    """Take up to `limit` messages that are due (pending, or a lease that expired).

    `links` puts supplier portal links into the messages as they are sent (the stored
    copies keep a placeholder), in this claim's transaction."""
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
    # A claim is a lease, not an attempt: `attempts` moves only when one is made.
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(
            status=OutboxStatus.SENDING.value,
            lease_owner=worker,
            next_attempt_at=now + lease,
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
            col(OutboxMessage.retry_until),
            col(OutboxMessage.created_at),
            col(OutboxMessage.kind),
            col(OutboxMessage.refused),
            col(OutboxMessage.recipients),
            col(Contract.reference),
        )
        .outerjoin(Contract, col(Contract.id) == col(OutboxMessage.contract_id))
        .where(col(OutboxMessage.id).in_(ids))
        .order_by(col(OutboxMessage.id))
    )
    return [
        Claimed(
            i,
            m,
            s,
            tuple(r),
            links(session, c, tuple(r), bytes(raw)) if links else bytes(raw),
            a + 1,
            c,
            n,
            until,
            file_label(created, ref, kind, i),
            tuple((refused or {}).items()),
            tuple(everyone),
        )
        for i, m, s, r, raw, a, c, n, until, created, kind, refused, everyone, ref in rows
    ]


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
    until: float | None = None,
) -> list[Delivered]:
    """Send each claimed message over one connection, saving results as they come.

    Saves run in a thread while sending goes on, SAVE_GROUP results or more at a time
    (group commit). A relay killed mid-batch re-sends only what was in flight or not yet
    committed, each with its own Message-ID, and commits are not paid per message.
    Stopping early, or reaching `until` (a `time.monotonic()` reading: where the claim's
    time is up), starts no further message; the caller hands the rest back.
    """
    done: list[Delivered] = []
    waiting: list[Delivered] = []
    saving: asyncio.Future[None] | None = None
    async with transport:
        for item in claimed:
            if stop() or (until is not None and time.monotonic() >= until):
                break
            started = utc_now()
            envelope = Envelope(item.message_id, item.sender, item.recipients, item.raw, item.label)
            try:
                result = await transport.send(envelope)
            except Exception as exc:
                # A transport never raises for a delivery problem: this is a fault with
                # this message (odd data meeting a bug). It fails alone, with the reason,
                # instead of stopping the batch at the same message every minute.
                log.warning("message %s could not be handed over: %s", item.id, type(exc).__name__)
                detail = f"could not be handed to the mail backend: {type(exc).__name__}: {exc}"
                result = DeliveryResult(Outcome.PERMANENT, None, detail[:2000])
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


def release(session: Session, ids: Sequence[int], *, now: datetime, worker: str) -> None:
    """Hand claimed messages this worker did not try back, due at once: the next claim,
    by any relay, takes them with a lease of its own."""
    if not ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.lease_owner) == worker,
            col(OutboxMessage.status) == OutboxStatus.SENDING.value,
        )
        .values(status=OutboxStatus.PENDING.value, lease_owner=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


def record(
    session: Session,
    delivered: Sequence[Delivered],
    *,
    now: datetime,
    worker: str,
    retry_for: timedelta = RETRY_FOR,
) -> None:
    """Write every attempt made and move each message on, only if this worker still
    holds it.

    Set-based for the common case (accepted, nothing refused): attempt rows and message
    updates for all of them at once, straight to the driver (one statement on
    PostgreSQL); the rest are handled one by one.
    """
    if not delivered:
        return
    plain = [
        d
        for d in delivered
        if d.result.outcome is Outcome.SENT and not d.result.refused and not d.claimed.refused
    ]
    if plain:
        _record_sent(session, plain, now=now, worker=worker)
    if len(plain) == len(delivered):
        return
    sent = {d.claimed.id for d in plain}
    rest = [d for d in delivered if d.claimed.id not in sent]
    tried = [d for d in rest if d.result.tried]
    if tried:
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
                for d in tried
            ],
        )
    for d in rest:
        values = next_state(d.claimed, d.result, now=now, retry_for=retry_for)
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == d.claimed.id, *_held(worker))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _held(worker: str) -> tuple[Any, ...]:
    return (
        col(OutboxMessage.lease_owner) == worker,
        col(OutboxMessage.status) == OutboxStatus.SENDING.value,
    )


# The common case, accepted for everyone with nothing refused before, written with as
# little Python as possible: the save thread shares the GIL with the sends. Values are
# those SQLAlchemy would write (naive UTC instants, JSON text); an attempt row is written
# whoever holds the message now, the message moves only if this worker still holds it.
_PG_RECORD_SENT = """
WITH attempt AS (
    INSERT INTO delivery_attempt (outbox_id, attempt, worker, started_at, finished_at,
                                  outcome, code, detail, accepted, refused)
    SELECT a.id, a.attempt, %(worker)s, a.started, a.finished,
           %(outcome)s, a.code, a.detail, a.accepted::json, '{}'::json
    FROM unnest(%(ids)s::int4[], %(attempts)s::int4[], %(started)s::timestamp[],
                %(finished)s::timestamp[], %(codes)s::int4[], %(details)s::text[],
                %(accepted)s::text[]) AS a(id, attempt, started, finished, code, detail, accepted)
)
UPDATE outbox_message
SET status = %(sent)s, pending_recipients = '[]'::json, sent_at = %(now)s, lease_owner = NULL,
    last_error = NULL, attempts = attempts + 1
WHERE id = ANY(%(ids)s::int4[]) AND lease_owner = %(worker)s AND status = %(sending)s
"""
_SQLITE_ATTEMPT = (
    "INSERT INTO delivery_attempt (outbox_id, attempt, worker, started_at, finished_at,"
    " outcome, code, detail, accepted, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')"
)
_SQLITE_SENT = (
    "UPDATE outbox_message SET status = ?, pending_recipients = '[]', sent_at = ?,"
    " lease_owner = NULL, last_error = NULL, attempts = attempts + 1"
    " WHERE lease_owner = ? AND status = ? AND id IN ({})"
)


def _record_sent(
    session: Session, delivered: Sequence[Delivered], *, now: datetime, worker: str
) -> None:
    dialect = session.get_bind().dialect.name
    raw = session.connection().connection.driver_connection
    assert raw is not None
    ids = [d.claimed.id for d in delivered]
    sent, sending, outcome = OutboxStatus.SENT.value, OutboxStatus.SENDING.value, "sent"
    if dialect == "postgresql":
        params = {
            "worker": worker,
            "outcome": outcome,
            "ids": ids,
            "attempts": [d.claimed.attempt for d in delivered],
            "started": [driver_instant(d.started_at, dialect=dialect) for d in delivered],
            "finished": [driver_instant(d.finished_at, dialect=dialect) for d in delivered],
            "codes": [d.result.code for d in delivered],
            "details": [d.result.detail[:2000] for d in delivered],
            "accepted": [json.dumps(list(d.result.accepted)) for d in delivered],
            "sent": sent,
            "now": driver_instant(now, dialect=dialect),
            "sending": sending,
        }
        with raw.cursor() as cursor:
            cursor.execute(_PG_RECORD_SENT, params)
        return
    cursor = raw.cursor()
    try:
        cursor.executemany(
            _SQLITE_ATTEMPT,
            [
                (
                    d.claimed.id,
                    d.claimed.attempt,
                    worker,
                    driver_instant(d.started_at, dialect=dialect),
                    driver_instant(d.finished_at, dialect=dialect),
                    outcome,
                    d.result.code,
                    d.result.detail[:2000],
                    json.dumps(list(d.result.accepted)),
                )
                for d in delivered
            ],
        )
        cursor.execute(
            _SQLITE_SENT.format(", ".join("?" * len(ids))),
            (sent, driver_instant(now, dialect=dialect), worker, sending, *ids),
        )
    finally:
        cursor.close()


def _said(code: int | None, text: str) -> str:
    return f"{code or ''} {text}".strip()


def next_state(
    item: Claimed, result: DeliveryResult, *, now: datetime, retry_for: timedelta
) -> dict[str, Any]:
    """The message's new columns after one result."""
    until = item.retry_until or now + retry_for
    if not result.tried:
        # Nothing was attempted (the connection had failed for an earlier message): no
        # attempt counted, but the outage is this message's too, and so is its window.
        error = _said(result.code, result.detail)[:2000] or None
        if now >= until:
            return {
                "status": OutboxStatus.FAILED.value,
                "last_error": f"{error} (gave up retrying at {until:%Y-%m-%d %H:%M} UTC)"[:2000],
                "refused": dict(item.refused)
                | {r: error or "not delivered" for r in item.recipients},
                "lease_owner": None,
            }
        return {
            "status": OutboxStatus.PENDING.value,
            "next_attempt_at": min(now + backoff(item.attempt), until),
            "retry_until": until,
            "last_error": error,
            "lease_owner": None,
        }
    counted = {"attempts": item.attempt, "lease_owner": None}
    refused = dict(item.refused)
    refused |= {r: _said(c, m) for r, (c, m) in result.refused.items() if c >= 500}
    later = [r for r, (c, _) in result.refused.items() if c < 500]
    if result.outcome is Outcome.SENT and later and now < until:
        waiting = "; ".join(f"{r}: {_said(*result.refused[r])}" for r in later)
        return counted | {
            "status": OutboxStatus.PENDING.value,
            "pending_recipients": later,
            "next_attempt_at": min(now + backoff(item.attempt), until),
            "retry_until": until,
            "refused": refused or None,
            "last_error": f"will retry {waiting}"[:2000],
        }
    error = _said(result.code, result.detail)[:2000] or None
    if result.outcome is Outcome.SENT:
        for r in later:  # out of time: these count as refused too
            refused[r] = f"{_said(*result.refused[r])} (gave up retrying)"
    elif result.outcome is Outcome.PERMANENT or now >= until:
        if result.outcome is not Outcome.PERMANENT:
            error = f"{error} (gave up retrying at {until:%Y-%m-%d %H:%M} UTC)"[:2000]
        for r in item.recipients:
            refused.setdefault(r, error or "not delivered")
    else:
        # Transient or ambiguous: the same message, same Message-ID, later.
        return counted | {
            "status": OutboxStatus.PENDING.value,
            "next_attempt_at": min(now + backoff(item.attempt), until),
            "retry_until": until,
            "last_error": error,
        }
    everyone = item.everyone or item.recipients
    reached = [r for r in everyone if r not in refused]
    done: dict[str, Any] = {"pending_recipients": [], "refused": refused or None}
    if not refused:
        return (
            counted | done | {"status": OutboxStatus.SENT.value, "sent_at": now, "last_error": None}
        )
    listed = "; ".join(f"{r}: {why}" for r, why in refused.items())
    if reached:
        # Some have it, some never will: partial, with each refusal named.
        return (
            counted
            | done
            | {
                "status": OutboxStatus.PARTIAL.value,
                "sent_at": now,
                "last_error": f"refused: {listed}"[:2000],
            }
        )
    if result.outcome is Outcome.SENT:
        error = f"refused: {listed}"[:2000]
    return counted | done | {"status": OutboxStatus.FAILED.value, "last_error": error}


@dataclass(frozen=True)
class _Undelivered:
    id: int
    subject: str
    contract: str
    manager: str
    reason: str
    not_reached: tuple[str, ...]
    reached: tuple[str, ...]


def notify_undelivered(session: Session, *, now: datetime, mail: MailSettings) -> int:
    """Queue one summary per contract manager of the messages that could not be
    delivered (failed, or refused by some recipients) since the last summary; returns
    how many summaries were queued."""
    stmt: Any = (
        select(
            col(OutboxMessage.id),
            col(OutboxMessage.subject),
            col(OutboxMessage.recipients),
            col(OutboxMessage.refused),
            col(OutboxMessage.last_error),
            col(Contract.reference),
            col(Contract.manager_email),
        )
        .join(Contract, col(Contract.id) == col(OutboxMessage.contract_id))
        .where(
            col(OutboxMessage.status).in_([OutboxStatus.FAILED.value, OutboxStatus.PARTIAL.value]),
            col(OutboxMessage.failure_noticed_at).is_(None),
            col(OutboxMessage.notify_on_failure).is_(True),
        )
        .order_by(col(OutboxMessage.id))
        .limit(NOTICE_BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=OutboxMessage)
    found = list(session.execute(stmt))
    if not found:
        return 0
    by_manager: dict[str, list[_Undelivered]] = defaultdict(list)
    for oid, subject, recipients, refused, error, reference, manager in found:
        refused = refused or {}
        gone = tuple(refused) or tuple(recipients)
        reasons = sorted({refused.get(r) or error or "not delivered" for r in gone})
        if manager:
            by_manager[manager].append(
                _Undelivered(
                    oid,
                    subject,
                    reference,
                    manager,
                    "; ".join(reasons),
                    gone,
                    tuple(r for r in recipients if r not in refused),
                )
            )
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_([row[0] for row in found]))
        .values(failure_noticed_at=now)
        .execution_options(synchronize_session=False)
    )
    for manager, messages in by_manager.items():
        session.add(_summary(manager, messages, now=now, mail=mail))
    return len(by_manager)


def _summary(
    manager: str, messages: list[_Undelivered], *, now: datetime, mail: MailSettings
) -> OutboxMessage:
    if len(messages) == 1:
        only = messages[0]
        subject = f"[{only.contract}] Reminder not delivered to {', '.join(only.not_reached)}"
    else:
        subject = f"Clause Tracker: {len(messages)} emails not delivered"
    context = {"subject": subject, "messages": messages}
    group_key = f"undelivered:{manager}:{messages[0].id}"
    message_id = new_message_id(group_key, domain_of(parseaddr(mail.sender)[1]))
    raw = render_bytes(
        message_id=message_id,
        sender=mail.sender,
        to=[manager],
        subject=subject,
        text=render("email/undelivered.txt", **context),
        html=render("email/undelivered.html", **context),
        now=now,
    )
    return OutboxMessage(
        group_key=group_key,
        message_id=message_id,
        kind="delivery_failure",
        contract_id=None,
        sender=parseaddr(mail.sender)[1],
        recipients=[manager],
        pending_recipients=[manager],
        subject=subject,
        raw=raw,
        next_attempt_at=now,
        created_at=now,
        # Never a notice about a notice.
        notify_on_failure=False,
    )


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
    )
    found = {status: int(n) for status, n in rows}
    return {s.value: found.get(s.value, 0) for s in OutboxStatus}
