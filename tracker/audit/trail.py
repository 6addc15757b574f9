"""Read the audit trail, and prove it has not been rewritten.

`verify` re-walks the chain in id order, recomputing each event's hash from its content and
its predecessor's hash, and names the first event that was altered, inserted or follows a
deletion. Removing the newest events leaves a shorter chain that still verifies: compare the
head hash `verify` prints with one kept elsewhere (a report, a ticket) to catch that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from tracker.audit.chain import GENESIS, event_hash
from tracker.context import Context
from tracker.contracts.register import get_by_reference
from tracker.db import read_session
from tracker.domain.localtime import local_instant
from tracker.models import AuditEvent

PAGE = 5000


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
    """Walk the chain page by page (memory stays flat on millions of events)."""
    checked = 0
    prev = GENESIS
    before_prev = None  # the hash two events back: tells an insertion from a deletion
    last_id = 0
    with read_session(ctx.engine) as session:
        while True:
            page = session.scalars(
                select(AuditEvent)
                .where(col(AuditEvent.id) > last_id)
                .order_by(col(AuditEvent.id))
                .limit(PAGE)
            ).all()
            if not page:
                break
            for event in page:
                assert event.id is not None
                if event.prev_hash != prev:
                    if before_prev is not None and event.prev_hash == before_prev:
                        return ChainReport(
                            checked,
                            prev,
                            "inserted",
                            last_id,
                            f"event {last_id} was inserted: event {event.id} follows the "
                            "event before it",
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
                if event_hash(event.prev_hash, event) != event.hash:
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
            session.expunge_all()
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
) -> list[dict[str, Any]]:
    """Newest first. `since` is a date in TRACKER_TIMEZONE."""
    stmt: Any = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    with read_session(ctx.engine) as session:
        if contract is not None:
            found = get_by_reference(session, contract, field="contract")
            stmt = stmt.where(col(AuditEvent.contract_id) == found.id)
        if since is not None:
            start = local_instant(since, 0, ctx.settings.timezone)
            stmt = stmt.where(col(AuditEvent.occurred_at) >= start)
        if entity is not None:
            stmt = stmt.where(col(AuditEvent.entity) == entity)
        rows = session.scalars(stmt).all()
    return [
        {
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
        for e in rows
    ]
