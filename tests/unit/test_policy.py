"""The reminder policy: steps, recipients, escalation; local hours through DST changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.localtime import local_instant
from tracker.domain.policy import (
    Kind,
    LadderStep,
    Role,
    decide,
    first_reminder_at,
    step_offsets,
    steps_for,
)

DST_CASES = [
    # zone, spring-forward day, fall-back day
    ("Europe/Berlin", date(2027, 3, 28), date(2027, 10, 31)),
    ("Europe/London", date(2027, 3, 28), date(2027, 10, 31)),
    ("America/New_York", date(2027, 3, 14), date(2027, 11, 7)),
]


@pytest.mark.parametrize(("zone", "spring", "autumn"), DST_CASES)
@pytest.mark.parametrize("hour", [0, 1, 2, 3, 8, 23])
def test_one_reminder_per_local_day_across_dst(
    zone: str, spring: date, autumn: date, hour: int
) -> None:
    for change in (spring, autumn):
        days = [change + timedelta(days=i) for i in range(-2, 3)]
        instants = [local_instant(d, hour, zone) for d in days]
        # Strictly increasing, and each falls on its own local day: none skipped or doubled.
        assert all(a < b for a, b in itertools.pairwise(instants))
        assert [i.astimezone(ZoneInfo(zone)).date() for i in instants] == days


@pytest.mark.parametrize(("zone", "spring", "autumn"), DST_CASES)
def test_eight_oclock_stays_eight_oclock_local(zone: str, spring: date, autumn: date) -> None:
    for day in (spring, autumn, spring - timedelta(days=1), autumn + timedelta(days=1)):
        local = local_instant(day, 8, zone).astimezone(ZoneInfo(zone))
        assert (local.date(), local.hour, local.minute) == (day, 8, 0)


def test_berlin_summer_and_winter_offsets() -> None:
    assert local_instant(date(2027, 3, 27), 8, "Europe/Berlin") == datetime(
        2027, 3, 27, 7, tzinfo=UTC
    )
    assert local_instant(date(2027, 3, 28), 8, "Europe/Berlin") == datetime(
        2027, 3, 28, 6, tzinfo=UTC
    )


def test_gap_hour_is_taken_after_the_gap() -> None:
    # 02:00 does not exist in Berlin on 28 March 2027; the reminder goes at 03:00 CEST.
    local = local_instant(date(2027, 3, 28), 2, "Europe/Berlin").astimezone(
        ZoneInfo("Europe/Berlin")
    )
    assert (local.hour, local.utcoffset()) == (3, timedelta(hours=2))


SUPPLIER = Role.SUPPLIER_COMPLIANCE
MANAGER = Role.CONTRACT_MANAGER
ESCALATION = Role.SUPPLIER_ESCALATION


def test_default_ladder_for_one_obligation() -> None:
    due = date(2027, 6, 30)
    got = [(s.on, s.kind, s.level, s.roles) for s in steps_for(due)]
    assert got == [
        (date(2027, 5, 31), Kind.UPCOMING, 0, (SUPPLIER,)),
        (date(2027, 6, 16), Kind.UPCOMING, 0, (SUPPLIER,)),
        (date(2027, 6, 27), Kind.UPCOMING, 0, (SUPPLIER,)),
        (due, Kind.DUE_TODAY, 0, (SUPPLIER,)),
        (date(2027, 7, 1), Kind.OVERDUE, 1, (SUPPLIER,)),
        (date(2027, 7, 7), Kind.OVERDUE, 1, (SUPPLIER, MANAGER)),
        (date(2027, 7, 14), Kind.ESCALATION, 2, (SUPPLIER, ESCALATION, MANAGER)),
        (date(2027, 7, 30), Kind.ESCALATION, 3, (ESCALATION, MANAGER)),
        # Sanctions and termination are decisions: only the contract manager is asked.
        (date(2027, 8, 14), Kind.DECISION_NEEDED, 4, (MANAGER,)),
        (date(2027, 8, 29), Kind.DECISION_NEEDED, 5, (MANAGER,)),
    ]


def test_a_clause_profile_replaces_the_defaults() -> None:
    due = date(2027, 6, 30)
    steps = steps_for(
        due,
        before_due=["P90D", "P7D"],
        after_due=["P1D"],
        recipients=[SUPPLIER, MANAGER],
        ladder=[LadderStep(2, "formal-notice", "P5D"), LadderStep(4, "suspend", None, True)],
    )
    assert [(s.key, s.on, s.roles) for s in steps] == [
        ("before:P90D", date(2027, 4, 1), (SUPPLIER, MANAGER)),
        ("before:P7D", date(2027, 6, 23), (SUPPLIER, MANAGER)),
        ("due", due, (SUPPLIER, MANAGER)),
        ("after:P1D", date(2027, 7, 1), (SUPPLIER, MANAGER)),
        ("level:2", date(2027, 7, 5), (SUPPLIER, MANAGER, ESCALATION)),  # once each
        ("level:4", date(2027, 7, 20), (MANAGER,)),
    ]


def test_a_shared_date_keeps_the_louder_step() -> None:
    steps = steps_for(date(2027, 6, 30), after_due=["P14D"])
    on_14th = [s for s in steps if s.on == date(2027, 7, 14)]
    assert [(s.kind, s.level) for s in on_14th] == [(Kind.ESCALATION, 2)]


def test_after_downtime_only_the_latest_step_is_sent_once() -> None:
    steps = steps_for(date(2027, 6, 30))
    zone = "Europe/Berlin"
    cursor = local_instant(date(2027, 6, 16), 8, zone)  # the 14-day step was next
    # Down from 15 June until 28 June noon: the 14- and 3-day steps both came.
    now = datetime(2027, 6, 28, 10, tzinfo=UTC)
    decision = decide(steps, now=now, timezone=zone, hour=8, since=cursor)
    assert decision.send is not None
    assert decision.send.key == "before:P3D"
    assert decision.next_at == local_instant(date(2027, 6, 30), 8, zone)
    # The next sweep, a minute later, with the cursor moved on: nothing more to send.
    again = decide(
        steps, now=now + timedelta(minutes=1), timezone=zone, hour=8, since=decision.next_at
    )
    assert again.send is None


def test_nothing_before_eight_local() -> None:
    steps = steps_for(date(2027, 3, 31))
    # 06:30 UTC on 28 March 2027 is 08:30 CEST (DST began at 01:00 UTC): due in Berlin...
    berlin = decide(
        steps,
        now=datetime(2027, 3, 28, 6, 30, tzinfo=UTC),
        timezone="Europe/Berlin",
        hour=8,
        since=None,
    )
    assert berlin.send is not None
    assert berlin.send.key == "before:P3D"
    # ...but 07:30 BST in London: not yet.
    london = decide(
        steps,
        now=datetime(2027, 3, 28, 6, 30, tzinfo=UTC),
        timezone="Europe/London",
        hour=8,
        since=local_instant(date(2027, 3, 28), 8, "Europe/London"),
    )
    assert london.send is None


@settings(max_examples=300, deadline=None)
@given(
    due=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    now=st.datetimes(
        min_value=datetime(2025, 11, 1), max_value=datetime(2031, 2, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from([z for z, _, _ in DST_CASES] + ["UTC", "Asia/Kolkata"]),
    hour=st.integers(0, 23),
)
def test_planning_cursor_starts_where_the_sweep_would_act(
    due: date, now: datetime, zone: str, hour: int
) -> None:
    steps = steps_for(due)
    assert [(s.on - due).days for s in steps] == list(step_offsets())
    cursor = first_reminder_at(
        [s.on for s in steps],
        local_now=now.astimezone(ZoneInfo(zone)),
        timezone=zone,
        hour=hour,
    )
    assert cursor is not None
    decision = decide(steps, now=now, timezone=zone, hour=hour, since=None)
    if decision.send is not None:
        # A step has come: the cursor is on it, so the first sweep sends exactly it.
        assert cursor == local_instant(decision.send.on, hour, zone)
    else:
        assert cursor == decision.next_at
