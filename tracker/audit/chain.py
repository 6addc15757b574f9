"""The append-only audit trail: every change writes an event chained by SHA-256.

Each event's hash covers its content and the previous event's hash, so altering,
inserting or deleting a row breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, col

from tracker.models import AuditEvent

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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    prev = session.execute(
        select(col(AuditEvent.hash)).order_by(col(AuditEvent.id).desc()).limit(1)
    ).scalar_one_or_none()
    event = AuditEvent(
        occurred_at=now.astimezone(UTC),
        actor=actor,
        entity=entity,
        entity_id=str(entity_id),
        action=action,
        contract_id=contract_id,
        before=json.loads(canonical(before)) if before is not None else None,
        after=json.loads(canonical(after)) if after is not None else None,
        prev_hash=prev or GENESIS,
        hash="",
    )
    event.hash = event_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event
