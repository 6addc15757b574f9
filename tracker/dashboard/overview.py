"""The dashboard: what needs a contract manager's attention, each item with its link."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlmodel import col

from tracker.context import Context
from tracker.dashboard.words import expires_in, relative
from tracker.db import read_session
from tracker.domain.schedule import local_today
from tracker.models import (
    Contract,
    Evidence,
    EvidenceStatus,
    Obligation,
    OutboxMessage,
    OutboxStatus,
    Supplier,
    UserRole,
)
from tracker.people.roles import Person
from tracker.reminders.heartbeat import heartbeats, stale

LIMIT = 50
SOON = timedelta(days=30)
EXPIRY = timedelta(days=90)
OPEN = ("upcoming", "due", "overdue", "rejected")


@dataclass(frozen=True)
class DueItem:
    obligation_id: int
    title: str
    reference: str
    supplier: str
    due_on: date
    status: str
    when: str


@dataclass(frozen=True)
class ReviewItem:
    evidence_id: int
    obligation_id: int
    obligation: str
    reference: str
    evidence_type: str
    submitted_on: date


@dataclass(frozen=True)
class ExpiryItem:
    evidence_id: int
    obligation_id: int
    reference: str
    evidence_type: str
    valid_until: date
    when: str


@dataclass(frozen=True)
class FailedMail:
    id: int
    subject: str
    to: str
    reference: str | None
    last_error: str | None


@dataclass(frozen=True)
class WorkerJob:
    job: str
    alive: bool
    last_ok_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class Dashboard:
    mine_only: bool  # a manager sees the contracts they manage
    overdue: list[DueItem]
    due_soon: list[DueItem]
    awaiting_review: list[ReviewItem]
    expiring: list[ExpiryItem]
    failed_mail: list[FailedMail]
    worker: list[WorkerJob]

    @property
    def worker_alive(self) -> bool:
        return bool(self.worker) and all(j.alive for j in self.worker)


# A manager's contracts are looked up once (indexed by manager) and each list is then read
# through `contract_id IN (...)`, which probes the lists' own contract indexes instead of
# walking the whole portfolio's overdue duties to find the few that are theirs. Someone
# managing more contracts than this is filtered by a join, as the whole portfolio is.
MAX_IN = 1000


@dataclass(frozen=True)
class _Mine:
    """Which contracts a person's dashboard covers: all, or a manager's."""

    manager: str | None
    ids: list[int] | None

    def status(self, column: Any) -> Any:
        """`column` to compare a status with. For a manager's few contracts it is written
        `status || ''`, which no index serves: SQLite, which keeps no statistics, would
        otherwise walk the status index over the whole portfolio instead of probing the
        contracts' duties through `contract_id IN (...)`."""
        return column.concat("") if self.ids is not None else column

    def __call__(self, stmt: Any, contract_id: Any) -> Any:
        if self.manager is None:
            return stmt
        if self.ids is not None:
            return stmt.where(contract_id.in_(self.ids))
        return stmt.where(col(Contract.manager_email) == self.manager)


def _mine_of(session: Any, person: Person) -> _Mine:
    if person.role is not UserRole.MANAGER:
        return _Mine(None, None)
    ids = list(
        session.scalars(
            select(col(Contract.id))
            .where(col(Contract.manager_email) == person.email)
            .limit(MAX_IN + 1)
        )
    )
    return _Mine(person.email, ids if len(ids) <= MAX_IN else None)


def _due_items(ctx: Context, rows: Any, *, within: timedelta | None = None) -> list[DueItem]:
    items = []
    for oid, title, ref, sup, due, status, tz in rows:
        today = local_today(ctx.now, tz)
        if within is not None and not today <= due <= today + within:
            continue
        items.append(DueItem(oid, title, ref, sup, due, status, relative(due, today)))
    return items


def dashboard(ctx: Context, person: Person) -> Dashboard:
    # The widest timezone spread is about a day: compare dates with a day's margin in SQL,
    # then decide exactly per contract.
    today = ctx.now.date()
    base = (
        select(
            col(Obligation.id),
            col(Obligation.title),
            col(Contract.reference),
            col(Supplier.name),
            col(Obligation.due_on),
            col(Obligation.status),
            col(Contract.timezone),
        )
        .join(Contract, col(Contract.id) == col(Obligation.contract_id))
        .join(Supplier, col(Supplier.id) == col(Contract.supplier_id))
        .order_by(col(Obligation.due_on), col(Obligation.id))
        .limit(LIMIT)
    )
    with read_session(ctx.engine) as session:
        mine = _mine_of(session, person)
        by_contract = col(Obligation.contract_id)
        overdue = _due_items(
            ctx,
            session.execute(
                mine(base.where(mine.status(col(Obligation.status)) == "overdue"), by_contract)
            ),
        )
        # One index walk per status, in due order, merged: an IN over the statuses would
        # sort every duty of the month before keeping the first fifty.
        soon_rows = heapq.merge(
            *(
                session.execute(
                    mine(
                        base.where(
                            mine.status(col(Obligation.status)) == status,
                            col(Obligation.due_on) >= today - timedelta(days=1),
                            col(Obligation.due_on) <= today + SOON + timedelta(days=1),
                        ),
                        by_contract,
                    )
                ).all()
                for status in ("upcoming", "due", "rejected")
            ),
            key=lambda row: (row[4], row[0]),
        )
        soon = _due_items(ctx, itertools.islice(soon_rows, LIMIT), within=SOON)
        review_rows = session.execute(
            mine(
                select(
                    col(Evidence.id),
                    col(Evidence.obligation_id),
                    col(Obligation.title),
                    col(Contract.reference),
                    col(Evidence.evidence_type),
                    col(Evidence.submitted_on),
                )
                .join(Obligation, col(Obligation.id) == col(Evidence.obligation_id))
                .join(Contract, col(Contract.id) == col(Evidence.contract_id))
                # A literal, not a parameter, so SQLite sees the partial index applies.
                .where(text(f"evidence.status = '{EvidenceStatus.SUBMITTED.value}'"))
                .order_by(col(Evidence.submitted_at))
                .limit(LIMIT),
                col(Evidence.contract_id),
            )
        ).all()
        expiry_rows = session.execute(
            mine(
                select(
                    col(Evidence.id),
                    col(Evidence.obligation_id),
                    col(Contract.reference),
                    col(Evidence.evidence_type),
                    col(Evidence.valid_until),
                    col(Contract.timezone),
                )
                .join(Contract, col(Contract.id) == col(Evidence.contract_id))
                .where(
                    col(Evidence.status) == EvidenceStatus.ACCEPTED.value,
                    col(Evidence.valid_until).is_not(None),
                    col(Evidence.valid_until) >= today - timedelta(days=1),
                    col(Evidence.valid_until) <= today + EXPIRY + timedelta(days=1),
                )
                .order_by(col(Evidence.valid_until))
                .limit(LIMIT),
                col(Evidence.contract_id),
            )
        ).all()
        failed_rows = session.execute(
            mine(
                select(
                    col(OutboxMessage.id),
                    col(OutboxMessage.subject),
                    col(OutboxMessage.recipients),
                    col(Contract.reference),
                    col(OutboxMessage.last_error),
                )
                .outerjoin(Contract, col(Contract.id) == col(OutboxMessage.contract_id))
                .where(col(OutboxMessage.status) == OutboxStatus.FAILED.value)
                .order_by(col(OutboxMessage.id).desc())
                .limit(LIMIT),
                col(OutboxMessage.contract_id),
            )
        ).all()
    expiring = []
    for eid, oid, ref, kind, until, tz in expiry_rows:
        local = local_today(ctx.now, tz)
        if local <= until <= local + EXPIRY:
            expiring.append(ExpiryItem(eid, oid, ref, kind, until, expires_in(until, local)))
    beats = heartbeats(ctx.engine)
    limit = ctx.settings.heartbeat_stale_seconds
    worker = [
        WorkerJob(
            job=name,
            alive=not stale(beat, now=ctx.now, limit_seconds=limit),
            last_ok_at=beat.last_ok_at,
            last_error=beat.last_error,
        )
        for name, beat in sorted(beats.items())
    ]
    return Dashboard(
        mine_only=person.role is UserRole.MANAGER,
        overdue=overdue,
        due_soon=soon,
        awaiting_review=[ReviewItem(*r) for r in review_rows],
        expiring=expiring,
        failed_mail=[
            FailedMail(mid, subject, ", ".join(to), ref, err)
            for mid, subject, to, ref, err in failed_rows
        ],
        worker=worker,
    )
