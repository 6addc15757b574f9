"""Read the audit trail, and prove it has not been rewritten.

`verify` re-walks the chain in id order, recomputing each event's hash from its content and
its predecessor's hash, and names the first event that was altered, inserted or follows a
deletion. Removing the newest events leaves a shorter chain that still verifies: compare the
head hash `verify` prints with one kept elsewhere (a report, a ticket) to catch that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.audit.chain import GENESIS, content_hash
from tracker.context import Context
from tracker.contracts.register import get_by_reference
from tracker.db import read_session, stream
from tracker.domain.localtime import local_instant
from tracker.models import AuditEvent

PAGE = 5000
# Plain rows, not ORM objects: a walk over a million events builds no entity per event.
_COLUMNS = list(AuditEvent.__table__.columns)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    problem: str | None = None  # altered | inserted | deleted
    event_id: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_checked": self.events,
            "head_hash": self.head,
            "problem": self.problem,
            "event_id": self.event_id,
            "detail": self.detail,
        }


def verify(ctx: Context, *, expect_head: str | None = None) -> ChainReport:
    """Walk the chain as one streamed cursor of plain rows (memory stays flat on millions
    of events; no ORM object is built per event)."""
    checked = 0
    prev = GENESIS
    before_prev = None  # the hash two events back: tells an insertion from a deletion
    last_id = 0
    stmt = select(*_COLUMNS).order_by(col(AuditEvent.id))
    for event in stream(ctx.engine, stmt, batch=PAGE):
        if event.prev_hash != prev:
            if before_prev is not None and event.prev_hash == before_prev:
                return ChainReport(
                    checked,
                    prev,
                    "inserted",
                    last_id,
                    f"event {last_id} was inserted: event {event.id} follows the event before it",
                )
            if event.id > last_id + 1:
                missing = f"{last_id + 1}..{event.id - 1}"
                return ChainReport(
                    checked,
                    prev,
                    "deleted",
                    event.id,
                    f"events {missing} were deleted: event {event.id} points at a "
                    "predecessor that is no longer there",
                )
            return ChainReport(
                checked,
                prev,
                "altered",
                last_id,
                f"event {last_id} was altered and its hash recomputed: event "
                f"{event.id} still holds its original hash",
            )
        if content_hash(event.prev_hash, **event._mapping) != event.hash:
            return ChainReport(
                checked,
                prev,
                "altered",
                event.id,
                f"event {event.id} ({event.entity} {event.entity_id} {event.action}) "
                "was altered: its content no longer gives its hash",
            )
        before_prev, prev, last_id = prev, event.hash, event.id
        checked += 1
    if expect_head is not None and expect_head != prev:
        return ChainReport(
            checked,
            prev,
            "deleted",
            None,
            f"the chain ends at {prev[:16]}..., not at the expected head {expect_head[:16]}...: "
            "events were removed from its end (or added after the head was noted)",
        )
    return ChainReport(checked, prev)


def log(
    ctx: Context,
    *,
    contract: str | None = None,
    since: date | None = None,
    entity: str | None = None,
    limit: int = 200,
) -> Iterator[dict[str, Any]]:
    """Newest first, as they are read (`limit` 0: the whole trail, streamed, so memory
    stays flat however long it is). `since` is a date in TRACKER_TIMEZONE. Bad filters
    are refused before the first row is read."""
    stmt: Any = select(*_COLUMNS).order_by(col(AuditEvent.id).desc())
    if limit:
        stmt = stmt.limit(limit)
    if contract is not None:
        with read_session(ctx.engine) as session:
            found = get_by_reference(session, contract, field="contract")
        stmt = stmt.where(col(AuditEvent.contract_id) == found.id)
    if since is not None:
        start = local_instant(since, 0, ctx.settings.timezone)
        stmt = stmt.where(col(AuditEvent.occurred_at) >= start)
    if entity is not None:
        stmt = stmt.where(col(AuditEvent.entity) == entity)
    return _rows(ctx, stmt)


def _rows(ctx: Context, stmt: Any) -> Iterator[dict[str, Any]]:
    for e in stream(ctx.engine, stmt):
        yield {
            "id": e.id,
            "at": e.occurred_at.isoformat(),
            "actor": e.actor,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "action": e.action,
            "before": e.before,
            "after": e.after,
            "hash": e.hash[:12],
        }
