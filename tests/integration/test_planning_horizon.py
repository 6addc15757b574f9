"""Rolling the horizon forward when contracts live in different time zones: a duty enters
the horizon on its contract's local date, and contracts whose local date is behind never
hold back one whose local date is ahead, however many of them wait in the same band."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import col

from tests.integration.test_reminders_e2e import ONE_DUTY
from tracker.config import Settings
from tracker.context import Context
from tracker.contracts.register import add_contract, attach_clause
from tracker.contracts.suppliers import add_supplier
from tracker.db import get_engine, read_session, write_session
from tracker.models import Contract, ContractClause, Obligation
from tracker.obligations.planning import VersionCache, roll_forward_batch

# 20:00 UTC: already the next day in Auckland (09:00), still the same day in New York.
NOW = datetime(2027, 1, 10, 20, 0, tzinfo=UTC)
HORIZON = 60


def test_a_contract_ahead_of_utc_is_planned_behind_a_full_batch_of_others(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "one-duty.yaml").write_text(ONE_DUTY, encoding="utf-8")
    settings = Settings(database_url=database_url, clause_path=str(tmp_path), horizon_days=HORIZON)
    engine = get_engine(database_url)
    # The duty falls on the last day of Auckland's horizon and one day past New York's.
    due = NOW.date() + timedelta(days=HORIZON + 1)
    start = due - timedelta(days=40)  # ONE_DUTY: due 40 days after the start
    attached_at = Context(settings=settings, engine=engine, now=NOW - timedelta(days=2), actor="t")
    add_supplier(attached_at, name="Example Devices AB", email="compliance@example.com")
    zones = ["America/New_York"] * 3 + ["Pacific/Auckland"]  # lower ids first
    for n, zone in enumerate(zones):
        reference = f"TZ-{n}"
        add_contract(
            attached_at,
            reference=reference,
            supplier_id="Example Devices AB",
            title=f"Devices {reference}",
            start_on=start,
            end_on=start + timedelta(days=3 * 365),
            timezone=zone,
        )
        attach_clause(attached_at, reference, "one-duty")
    with read_session(engine) as s:
        waiting = s.scalars(select(col(ContractClause.next_plan_on))).all()
        assert waiting == [due] * 4  # nothing planned yet: two days ago it was beyond

    # What a sweep does at NOW, with batches smaller than the band of New York clauses.
    assert _roll_forward(engine, NOW, reminder_hour=settings.reminder_hour) == 1

    with read_session(engine) as s:
        planned = s.execute(
            select(col(Contract.reference), col(Obligation.due_on))
            .join(Contract, col(Contract.id) == col(Obligation.contract_id))
            .order_by(col(Contract.reference))
        ).all()
    assert planned == [("TZ-3", due)]  # Auckland's duty, on time; New York's tomorrow

    # Once it is the next day in New York (01:00 there, 06:00 UTC), theirs come in too.
    later = NOW + timedelta(hours=10)
    assert _roll_forward(engine, later, reminder_hour=settings.reminder_hour) == 3


def _roll_forward(engine: Engine, now: datetime, *, reminder_hour: int) -> int:
    """Roll forward in batches of two until a batch finds nothing, as a sweep's loop does;
    the obligations inserted."""
    inserted = 0
    for _ in range(10):
        with write_session(engine) as session:
            done, new = roll_forward_batch(
                session,
                now=now,
                horizon_days=HORIZON,
                reminder_hour=reminder_hour,
                clauses=VersionCache(engine),
                batch_size=2,
            )
        if not done:
            return inserted
        inserted += new
    raise AssertionError("the roll-forward never ran out of work")
