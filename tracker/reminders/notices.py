"""Tell the supplier at once about a decision they must act on (a rejection, a finding).

A notice is a reminder row like any other, written in the decision's transaction, so the
composer and relay deliver it with the same guarantees: never lost, never sent twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.bulk import insert_new
from tracker.domain.policy import Kind, Role
from tracker.domain.schedule import local_today
from tracker.models import Reminder, table_of
from tracker.obligations.state import Held
from tracker.reminders.enqueue import REMINDER_KEY, contacts_of, recipients


def notify_supplier(
    session: Session, held: Held, *, step: str, note: str, now: datetime
) -> list[str]:
    """Queue an "action required" notice to the supplier's compliance contacts about
    this obligation; returns who will be told (empty if the supplier has no contact)."""
    contract = held.contract
    contacts = contacts_of(session, {contract.supplier_id})[contract.supplier_id]
    emails = recipients(Role.SUPPLIER_COMPLIANCE, contacts=contacts, manager=None)
    rows = [
        {
            "obligation_id": held.id,
            "contract_id": contract.id,
            "step": step,
            "kind": Kind.ACTION_REQUIRED.value,
            "level": held.obligation.escalation_level,
            "due_on": held.obligation.due_on,
            "recipient": email,
            "recipient_role": Role.SUPPLIER_COMPLIANCE.value,
            "local_date": local_today(now, contract.timezone),
            "scheduled_at": now,
            "created_at": now,
            "note": note,
        }
        for email in emails
    ]
    insert_new(session, table_of(Reminder), rows, conflict=REMINDER_KEY)
    return emails
