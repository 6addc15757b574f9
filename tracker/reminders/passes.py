"""One pass of each periodic job, as loops of restartable units of work.

Each unit runs in its own transaction and reports whether it found work; a pass repeats
units until none is left or `stop()` says the process is shutting down, so SIGTERM lets
the current unit finish and loses nothing. Every pass records its heartbeat, whoever runs
it (the worker, or cron calling `tracker sweep` / `tracker relay`).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from tracker.clock import utc_now
from tracker.context import Context
from tracker.db import write_session
from tracker.mail.transport import Outcome, Transport
from tracker.obligations.planning import VersionCache, roll_forward_batch
from tracker.portal.mailing import fill_links
from tracker.reminders import heartbeat
from tracker.reminders.compose import Backlog, MailSettings, compose_batch
from tracker.reminders.enqueue import reminder_batch, status_batch
from tracker.reminders.relay import (
    LEASE,
    Claimed,
    Delivered,
    claim,
    deliver,
    notify_undelivered,
    record,
    release,
    worker_id,
)

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
        max_items=ctx.settings.email_max_items,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did."""

    contract_clauses_planned: int = 0
    obligations_planned: int = 0
    now_due: int = 0
    now_overdue: int = 0
    obligations_reminded: int = 0
    messages_composed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self, seconds: float) -> str | None:
        """One line in words, or None when the sweep found nothing to do."""
        parts = []
        if self.obligations_planned or self.contract_clauses_planned:
            parts.append(f"{_plural(self.obligations_planned, 'obligation')} planned")
        if self.now_due or self.now_overdue:
            parts.append(f"{self.now_due} now due, {self.now_overdue} now overdue")
        if self.obligations_reminded:
            n = self.obligations_reminded
            parts.append(f"{n} obligation{'' if n == 1 else 's'} with reminders due")
        if self.messages_composed:
            parts.append(f"{_plural(self.messages_composed, 'email')} composed")
        if not parts:
            return None
        return f"sweep: {', '.join(parts)} in {seconds:.1f} s"


def sweep(ctx: Context, *, stop: Stop = _never, remind: bool = True) -> SweepReport:
    """Roll the horizon forward, move statuses, write due reminders, compose messages
    (`remind=False`: only the first two, which is `tracker plan`, and no heartbeat)."""
    if not remind:
        return _sweep(ctx, stop=stop, remind=False)
    with heartbeat.beating(ctx.engine, "sweep", worker_id()):
        return _sweep(ctx, stop=stop, remind=True)


def _sweep(ctx: Context, *, stop: Stop, remind: bool) -> SweepReport:
    report = Counter[str]()
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
        report["contract_clauses_planned"] += done
        report["obligations_planned"] += new
    moved: Counter[str] = Counter()
    while not stop():
        with write_session(ctx.engine) as session:
            looked = status_batch(session, now=ctx.now, moved=moved)
        if not looked:
            break
    report["now_due"], report["now_overdue"] = moved["due"], moved["overdue"]
    if remind:
        while not stop():
            with write_session(ctx.engine) as session:
                reminded = reminder_batch(
                    session, now=ctx.now, reminder_hour=settings.reminder_hour, clauses=clauses
                )
            if not reminded:
                break
            report["obligations_reminded"] += reminded
        mail = mail_settings(ctx)
        backlog = Backlog()  # one walk over the backlog per pass
        while not stop():
            with write_session(ctx.engine) as session:
                composed = compose_batch(
                    session, now=ctx.now, mail=mail, clauses=clauses, backlog=backlog
                )
            if not composed:
                break
            report["messages_composed"] += composed
    return SweepReport(**report)


@dataclass(frozen=True)
class RelayReport:
    """What one relay pass did: real attempts only."""

    attempted: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    partial: int = 0
    summaries_queued: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self, seconds: float) -> str | None:
        """One line in words, or None when there was nothing to send."""
        if not self.attempted and not self.summaries_queued:
            return None
        parts = [f"{_plural(self.attempted, 'email')} tried", f"{self.sent} sent"]
        if self.retrying:
            parts.append(f"{self.retrying} to retry")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.partial:
            parts.append(f"{self.partial} refused by some recipients")
        if self.summaries_queued:
            parts.append(f"{_plural(self.summaries_queued, 'manager')} told")
        return f"relay: {', '.join(parts)} in {seconds:.1f} s"


def default_transport(ctx: Context) -> Callable[[], Transport]:
    """The configured mail backend (loaded only when a relay runs: aiosmtplib is heavy)."""
    from tracker.mail.backends import transport_from_settings

    settings = ctx.settings
    return lambda: transport_from_settings(settings)


def relay(
    ctx: Context,
    transport: Callable[[], Transport] | None = None,
    *,
    batch: int = RELAY_BATCH,
    stop: Stop = _never,
    clock: Callable[[], datetime] = utc_now,
    lease: timedelta = LEASE,
) -> RelayReport:
    """Send every message that is due, batch by batch, each over one connection; then
    queue one summary per contract manager of what could not be delivered, and send it.

    `clock` is the real time in the worker; `tracker relay --now` fixes it, so messages
    composed by a sweep at a pretended time are due for the relay too.
    """
    with heartbeat.beating(ctx.engine, "relay", worker_id()):
        return _relay(
            ctx,
            transport or default_transport(ctx),
            batch=batch,
            stop=stop,
            clock=clock,
            lease=lease,
        )


def _relay(
    ctx: Context,
    transport: Callable[[], Transport],
    *,
    batch: int,
    stop: Stop,
    clock: Callable[[], datetime],
    lease: timedelta,
) -> RelayReport:
    report = Counter[str]()
    worker = worker_id()
    mail = mail_settings(ctx)
    retry_for = timedelta(hours=ctx.settings.mail_retry_hours)

    def take(length: timedelta) -> tuple[list[Claimed], float]:
        """A batch, and until when (`time.monotonic()`) it may start messages: half the
        lease, from the claim, so that the other half covers the message in flight. A
        lease that ran out would let another relay send the same messages."""
        until = time.monotonic() + length.total_seconds() / 2
        with write_session(ctx.engine) as session:
            now = clock()
            links = fill_links(ctx.settings, now)
            claimed = claim(session, now=now, worker=worker, limit=batch, lease=length, links=links)
        return claimed, until

    def save(batch: list[Delivered]) -> None:
        with write_session(ctx.engine) as session:
            record(session, batch, now=clock(), worker=worker, retry_for=retry_for)

    def give_back(claimed: list[Claimed]) -> None:
        with write_session(ctx.engine) as session:
            release(session, [c.id for c in claimed], now=clock(), worker=worker)

    # While a full batch is sent, the next one is claimed in a thread, so the claim's
    # round trips do not stall the sends. Its lease is twice as long, since it waits for
    # this batch first. What a stopping relay claimed ahead is handed back at once.
    ahead: Future[tuple[list[Claimed], float]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="claim") as claims:
        try:
            while not stop():
                claimed, until = ahead.result() if ahead is not None else take(lease)
                ahead = None
                if not claimed:
                    with write_session(ctx.engine) as session:
                        told = notify_undelivered(session, now=clock(), mail=mail)
                    report["summaries_queued"] += told
                    if told:
                        continue  # send the summaries in this pass
                    break
                if len(claimed) == batch:
                    ahead = claims.submit(take, 2 * lease)
                delivered = asyncio.run(
                    deliver(transport(), claimed, save=save, stop=stop, until=until)
                )
                _tally(report, delivered)
                if len(delivered) < len(claimed):
                    # Out of time (a slow server) or stopping: what was not tried is
                    # handed back, due now, rather than left to a lease that another relay
                    # would outlive.
                    give_back(claimed[len(delivered) :])
                    if stop():
                        break
        finally:
            if ahead is not None:
                # A claim that failed rolled back: nothing of it to hand back.
                give_back([] if ahead.exception() is not None else ahead.result()[0])
    return RelayReport(**report)
    return RelayReport(**report)


def _tally(report: Counter[str], delivered: list[Delivered]) -> None:
    for d in delivered:
        if not d.result.tried:
            report["retrying"] += 1
            continue
        report["attempted"] += 1
        outcome = d.result.outcome
        permanent = [r for r, (code, _) in d.result.refused.items() if code >= 500]
        if outcome is Outcome.SENT and not d.result.refused:
            report["sent"] += 1
        elif outcome is Outcome.SENT and permanent:
            report["partial"] += 1
        elif outcome is Outcome.PERMANENT:
            report["failed"] += 1
        else:
            report["retrying"] += 1
