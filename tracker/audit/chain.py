"""The append-only audit trail: every change writes an event chained by SHA-256.

Each event's hash covers its content and the previous event's hash, so altering,
inserting or deleting a row breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlmodel import Session, col

from tracker.models import AuditEvent, table_of

GENESIS = "0" * 64
# Serialises appends on PostgreSQL (SQLite already serialises writers with BEGIN IMMEDIATE).
_PG_LOCK_KEY = 0x7472_6163_6B65  # "tracke"


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(
    prev_hash: str,
    /,
    *,
    occurred_at: datetime,
    actor: str,
    entity: str,
    entity_id: str,
    action: str,
    contract_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    **_other: object,
) -> str:
    """The hash of one event's content chained to its predecessor's hash. Takes a whole
    row's mapping: columns that are not content (id, prev_hash, hash) are ignored."""
    content = canonical(
        {
            # In UTC, as stored: the hash must not depend on the offset `now` was given in.
            "occurred_at": occurred_at.astimezone(UTC).isoformat(),
            "actor": actor,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "contract_id": contract_id,
            "before": before,
            "after": after,
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return content_hash(
        prev_hash,
        occurred_at=event.occurred_at,
        actor=event.actor,
        entity=event.entity,
        entity_id=event.entity_id,
        action=event.action,
        contract_id=event.contract_id,
        before=event.before,
        after=event.after,
    )


@dataclass(frozen=True, slots=True)
class Change:
    """One event to append with `record_many`."""

    entity: str
    entity_id: object
    action: str
    contract_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def _last_hash(session: Session) -> str:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    prev = session.execute(
        select(col(AuditEvent.hash)).order_by(col(AuditEvent.id).desc()).limit(1)
    ).scalar_one_or_none()
    return prev or GENESIS


def _event(prev_hash: str, *, now: datetime, actor: str, change: Change) -> AuditEvent:
    event = AuditEvent(
        occurred_at=now.astimezone(UTC),
        actor=actor,
        entity=change.entity,
        entity_id=str(change.entity_id),
        action=change.action,
        contract_id=change.contract_id,
        before=json.loads(canonical(change.before)) if change.before is not None else None,
        after=json.loads(canonical(change.after)) if change.after is not None else None,
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = event_hash(prev_hash, event)
    return event


def record_many(session: Session, changes: Sequence[Change], *, now: datetime, actor: str) -> int:
    """Append one event per change, in order, in the caller's transaction: the chain's
    head is read once and the events are inserted together (a batch of contracts costs
    one lock and one statement, not one of each per contract). Returns how many."""
    if not changes:
        return 0
    prev = _last_hash(session)
    at = now.astimezone(UTC)
    rows = []
    for change in changes:
        row: dict[str, Any] = {
            "occurred_at": at,
            "actor": actor,
            "entity": change.entity,
            "entity_id": str(change.entity_id),
            "action": change.action,
            "contract_id": change.contract_id,
            "before": json.loads(canonical(change.before)) if change.before is not None else None,
            "after": json.loads(canonical(change.after)) if change.after is not None else None,
            "prev_hash": prev,
        }
        row["hash"] = prev = content_hash(prev, **row)
        rows.append(row)
    # A plain executemany (no RETURNING): the rows are inserted one after another, so
    # their ids follow the chain, which `verify` walks in id order.
    session.execute(insert(table_of(AuditEvent)), rows)
    return len(rows)


def record(
    session: Session,
    *,
    now: datetime,
    actor: str,
    entity: str,
    entity_id: object,
    action: str,
    contract_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction."""
    change = Change(entity, entity_id, action, contract_id, before, after)
    event = _event(_last_hash(session), now=now, actor=actor, change=change)
    session.add(event)
    session.flush()
    return event
