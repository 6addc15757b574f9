"""The sweep: move statuses on, write due reminders, roll the horizon forward.

Each `*_batch` function is one unit of work in one transaction and returns how much it
did (0: nothing left). Every query starts from an indexed "next ... at" column, so a sweep
that finds nothing due costs index probes, not a scan of the portfolio.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.bulk import insert_new, update_rows
from tracker.closures.days import closed_days
from tracker.domain.localtime import reminder_clock, zone
from tracker.domain.policy import Role, Step, decide, reminders_paused, steps_for
from tracker.domain.schedule import local_today
from tracker.domain.status import next_status_change, status_after
from tracker.library.schema import ClauseFile
from tracker.models import (
    Contract,
    ContractClause,
    Obligation,
    Reminder,
    SupplierContact,
    table_of,
)
from tracker.obligations.planning import cached_policy

REMINDER_KEY = ["obligation_id", "step", "due_on", "recipient"]
BATCH_SIZE = 1000


def _lock(session: Session, stmt: Any) -> Any:
    """On PostgreSQL concurrent sweepers skip rows another one is working on; SQLite's
    BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True, of=Obligation)
    return stmt


def status_batch(
    session: Session,
    *,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    moved: Counter[str] | None = None,
) -> int:
    """Move obligations whose status changes with time (upcoming -> due -> overdue).
    Returns how many rows were looked at; `moved` counts the new statuses."""
    stmt = _lock(
        session,
        (
            select(
                col(Obligation.id),
                col(Obligation.status),
                col(Obligation.due_on),
                col(Obligation.window_opens_on),
                col(Contract.timezone),
            )
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .where(col(Obligation.next_status_at) <= now)
            .order_by(col(Obligation.next_status_at))
            .limit(batch_size)
        ),
    )
    updates = []
    for oid, status, due_on, window, tz in session.execute(stmt):
        lead = (due_on - window).days
        new = status_after(status, due_on=due_on, today=local_today(now, tz), lead_days=lead)
        if moved is not None and new != status:
            moved[new] += 1
        updates.append(
            {
                "id": oid,
                "status": new,
                "updated_at": now,
                "next_status_at": next_status_change(
                    new, due_on=due_on, window_opens_on=window, timezone=tz
                ),
            }
        )
    update_rows(session, table_of(Obligation), updates)
    return len(updates)


@dataclass(frozen=True, slots=True)
class _Due:
    id: int
    status: str
    due_on: Any
    level: int
    cursor: datetime
    template_id: str
    contract_id: int
    clause_version_id: int
    parameters: dict[str, Any]
    timezone: str
    reminder_minute: int | None
    country: str | None
    manager: str | None
    supplier_id: int
    contract_ended_on: Any
    created_at: datetime


def contacts_of(session: Session, supplier_ids: set[int]) -> dict[int, dict[str, list[str]]]:
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = session.execute(
        select(
            col(SupplierContact.supplier_id), col(SupplierContact.role), col(SupplierContact.email)
        )
        .where(
            col(SupplierContact.supplier_id).in_(supplier_ids),
            col(SupplierContact.removed_at).is_(None),  # removed contacts get no reminders
        )
        .order_by(col(SupplierContact.id))
    )
    for supplier_id, role, email in rows:
        found[supplier_id][role].append(email)
    return found


def recipients(role: Role, *, contacts: dict[str, list[str]], manager: str | None) -> list[str]:
    """Who a role means for one contract; a missing supplier role falls back to the
    compliance contact, so nobody who should be told is silently skipped."""
    if role is Role.CONTRACT_MANAGER:
        return [manager] if manager else []
    wanted = {Role.SUPPLIER_ESCALATION: "escalation", Role.SUPPLIER_ACCOUNT: "account"}
    return contacts.get(wanted.get(role, "compliance"), []) or contacts.get("compliance", [])


def reminder_batch(
    session: Session,
    *,
    now: datetime,
    reminder_hour: int,
    clauses: Callable[[int], ClauseFile],
    batch_size: int = BATCH_SIZE,
) -> int:
    """Obligations whose next reminder has come: write one reminder row per person for
    the latest step that applies, raise the escalation level, move the cursor on."""
    stmt = _lock(
        session,
        (
            select(
                col(Obligation.id),
                col(Obligation.status),
                col(Obligation.due_on),
                col(Obligation.escalation_level),
                col(Obligation.next_reminder_at),
                col(Obligation.template_id),
                col(Obligation.contract_id),
                col(ContractClause.clause_version_id),
                col(ContractClause.parameters),
                col(Contract.timezone),
                col(Contract.reminder_minute),
                col(Contract.country),
                col(Contract.manager_email),
                col(Contract.supplier_id),
                col(Contract.ended_on),
                col(Obligation.created_at),
            )
            .join(ContractClause, col(ContractClause.id) == col(Obligation.contract_clause_id))
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .where(col(Obligation.next_reminder_at) <= now)
            .order_by(col(Obligation.next_reminder_at), col(Obligation.id))
            .limit(batch_size)
        ),
    )
    due = [_Due(*row) for row in session.execute(stmt)]
    if not due:
        return 0
    contacts = contacts_of(session, {d.supplier_id for d in due})
    closed = closed_days(session)
    reminders: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    ladders: dict[tuple[Any, ...], tuple[Any, list[Step]]] = {}
    for item in due:
        # A terminated or cancelled contract reminds nobody, whatever set the cursor.
        if reminders_paused(item.status) or item.contract_ended_on is not None:
            updates.append({"id": item.id, "next_reminder_at": None, "updated_at": now})
            continue
        clause = clauses(item.clause_version_id)
        template = clause.obligation(item.template_id)
        prepared = cached_policy(clause, template, item.parameters)
        policy = prepared.inputs
        # A clause's on_trigger notice falls on the day the duty was planned.
        notice_on = (
            item.created_at.astimezone(zone(item.timezone)).date() if policy.on_trigger else None
        )
        # Obligations sharing a policy, due date and calendar share their steps (a sweep
        # reminding thousands of duties due today computes each set once).
        key = (id(prepared), item.due_on, notice_on, item.country)
        known = ladders.get(key)
        if known is None:
            steps = steps_for(
                item.due_on,
                before_due=policy.before_due,
                after_due=policy.after_due,
                recipients=policy.recipients,
                ladder=policy.ladder,
                notice_on=notice_on,
                country=item.country,
                closed=closed,
            )
            known = ladders[key] = (prepared, steps)  # the policy kept: its id stays its own
        steps = known[1]
        hour, minute = reminder_clock(item.reminder_minute, default_hour=reminder_hour)
        decision = decide(
            steps, now=now, timezone=item.timezone, hour=hour, minute=minute, since=item.cursor
        )
        level = item.level
        if decision.send is not None:
            step = decision.send
            level = max(level, step.level)
            local_date = now.astimezone(zone(item.timezone)).date()
            for role in step.roles:
                for email in recipients(
                    role, contacts=contacts[item.supplier_id], manager=item.manager
                ):
                    reminders.append(
                        {
                            "obligation_id": item.id,
                            "contract_id": item.contract_id,
                            "step": step.key,
                            "kind": step.kind.value,
                            "level": step.level,
                            "due_on": item.due_on,
                            "recipient": email,
                            "recipient_role": role.value,
                            "local_date": local_date,
                            "scheduled_at": now,
                            "created_at": now,
                        }
                    )
        updates.append(
            {
                "id": item.id,
                "next_reminder_at": decision.next_at,
                "escalation_level": level,
                "updated_at": now,
            }
        )
    insert_new(session, table_of(Reminder), _unique(reminders), conflict=REMINDER_KEY)
    _update_grouped(session, updates)
    return len(due)


def _update_grouped(session: Session, updates: list[dict[str, Any]]) -> None:
    """`update_rows` wants the same columns in every row: a paused obligation only has its
    cursor cleared."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in updates:
        shapes[tuple(row)].append(row)
    for rows in shapes.values():
        update_rows(session, table_of(Obligation), rows)


def _unique(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (obligation, step, due date, recipient) even if a person holds two
    roles (compliance and escalation contact)."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(tuple(row[k] for k in REMINDER_KEY), row)
    return list(seen.values())
