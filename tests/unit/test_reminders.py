"""Reminder instants: a local hour in the contract's timezone, through DST changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.reminders import (
    local_instant,
    next_reminder_at,
    next_reminder_instant,
    reminder_steps,
    step_days,
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


def test_default_steps_are_30_14_3_days_before_due_and_after() -> None:
    due = date(2027, 6, 30)
    got = [s.on for s in reminder_steps(due, timezone="UTC", hour=8)]
    assert got == [
        date(2027, 5, 31),
        date(2027, 6, 16),
        date(2027, 6, 27),
        due,
        date(2027, 7, 1),
        date(2027, 7, 7),
        date(2027, 7, 14),
        date(2027, 7, 30),
    ]


def test_after_downtime_only_the_latest_missed_step_is_next() -> None:
    due = date(2027, 6, 30)
    steps = reminder_steps(due, timezone="Europe/Berlin", hour=8)
    # Down from 1 June to 28 June: the 14- and 3-day steps were missed; only the latest
    # (3 days before, 27 June 08:00 Berlin) is acted on, once.
    now = datetime(2027, 6, 28, 12, tzinfo=UTC)
    assert next_reminder_at(steps, now) == datetime(2027, 6, 27, 6, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    due=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    now=st.datetimes(
        min_value=datetime(2025, 11, 1), max_value=datetime(2031, 2, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from([z for z, _, _ in DST_CASES] + ["UTC", "Asia/Kolkata"]),
    hour=st.integers(0, 23),
)
def test_fast_path_agrees_with_the_full_step_list(
    due: date, now: datetime, zone: str, hour: int
) -> None:
    full = next_reminder_at(reminder_steps(due, timezone=zone, hour=hour), now)
    fast = next_reminder_instant(
        step_days(due), local_now=now.astimezone(ZoneInfo(zone)), hour=hour, timezone=zone
    )
    assert fast == full
