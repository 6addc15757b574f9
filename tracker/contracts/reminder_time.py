"""A contract's reminder time changed: move its open obligations' reminder cursors."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session, col

from tracker.domain.localtime import reminder_clock
from tracker.domain.policy import moved_cursor
from tracker.models import Contract, Obligation


def move_reminder_cursors(
    session: Session, contract: Contract, *, old_minute: int | None, default_hour: int
) -> int:
    """Each obligation waiting for its next step now waits for the same step at the
    contract's new time (`contract.reminder_minute`, already set); returns how many moved."""
    old = reminder_clock(old_minute, default_hour=default_hour)
    new = reminder_clock(contract.reminder_minute, default_hour=default_hour)
    if old == new:
        return 0
    moves = []
    for oid, cursor in session.execute(
        select(col(Obligation.id), col(Obligation.next_reminder_at)).where(
            col(Obligation.contract_id) == contract.id,
            col(Obligation.next_reminder_at).is_not(None),
        )
    ):
        moved = moved_cursor(cursor, timezone=contract.timezone, old=old, new=new)
        if moved != cursor:
            moves.append({"id": oid, "next_reminder_at": moved})
    if moves:
        session.execute(update(Obligation), moves)
    return len(moves)
