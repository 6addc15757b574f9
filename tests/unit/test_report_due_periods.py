"""When a scheduled report is due: period ends in the schedule's timezone, catch-up, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.reports.due import (
    CATCH_UP_PERIODS,
    due_periods,
    ends_at,
    first_period_start,
    next_period,
)
from tracker.reports.periods import Period, parse_period, period_containing

ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Australia/Sydney", "UTC"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def labels(periods: list[Period]) -> list[str]:
    return [p.label for p in periods]


def berlin_monthly(now: str, done: set[str] | None = None) -> list[Period]:
    """A monthly schedule in Berlin whose first period is February 2026."""
    return due_periods(
        every="month",
        timezone="Europe/Berlin",
        first_start=date(2026, 2, 1),
        now=utc(now),
        done=done or set(),
    )


@pytest.mark.parametrize(
    ("period", "zone", "expected"),
    [
        ("2026-03", "Europe/Berlin", "2026-04-01T00:00:00+02:00"),  # DST began on 29 March
        ("2026-10", "Europe/Berlin", "2026-11-01T00:00:00+01:00"),  # DST ended on 25 October
        ("2026-03", "America/New_York", "2026-04-01T00:00:00-04:00"),
        ("2026-04", "Australia/Sydney", "2026-05-01T00:00:00+10:00"),  # DST ended on 5 April
        ("2026-Q4", "Europe/London", "2027-01-01T00:00:00+00:00"),
        ("2026", "Asia/Tokyo", "2027-01-01T00:00:00+09:00"),
    ],
)
def test_a_period_ends_at_local_midnight_after_its_last_day(
    period: str, zone: str, expected: str
) -> None:
    end = ends_at(parse_period(period), zone)
    assert end.tzinfo is UTC
    assert end == utc(expected)


def test_a_midnight_skipped_by_dst_ends_the_period_when_the_new_day_begins() -> None:
    # Paraguay, 1 October 2017: clocks went from 00:00 straight to 01:00.
    zone = ZoneInfo("America/Asuncion")
    end = ends_at(parse_period("2017-09"), "America/Asuncion")
    assert end == utc("2017-10-01T01:00:00-03:00")
    assert end.astimezone(zone).date() == date(2017, 10, 1)
    assert (end - timedelta(seconds=1)).astimezone(zone).date() == date(2017, 9, 30)


@pytest.mark.parametrize(
    ("created", "every", "zone", "first"),
    [
        ("2026-02-10T12:00:00+00:00", "month", "Europe/Berlin", date(2026, 2, 1)),
        # 23:30 UTC on 31 January is already 1 February in Berlin
        ("2026-01-31T23:30:00+00:00", "month", "Europe/Berlin", date(2026, 2, 1)),
        ("2026-01-31T23:30:00+00:00", "month", "America/New_York", date(2026, 1, 1)),
        ("2026-05-20T08:00:00+02:00", "quarter", "Europe/Berlin", date(2026, 4, 1)),
        ("2026-12-31T23:59:00+01:00", "year", "Europe/Berlin", date(2026, 1, 1)),
    ],
)
def test_the_first_period_is_the_one_running_when_the_schedule_is_made(
    created: str, every: str, zone: str, first: date
) -> None:
    assert first_period_start(every=every, timezone=zone, created_at=utc(created)) == first


def test_nothing_is_due_until_the_first_period_has_ended() -> None:
    assert berlin_monthly("2026-02-10T12:00:00+01:00") == []
    assert berlin_monthly("2026-02-28T23:59:59+01:00") == []
    due = berlin_monthly("2026-03-01T00:00:00+01:00")
    assert labels(due) == ["2026-02"]
    assert (due[0].start, due[0].end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_what_is_done_is_not_due_again() -> None:
    assert berlin_monthly("2026-03-15T09:00:00+01:00", done={"2026-02"}) == []


def test_after_downtime_every_missed_period_oldest_first() -> None:
    due = berlin_monthly("2026-06-01T10:00:00+02:00", done={"2026-03"})
    assert labels(due) == ["2026-02", "2026-04", "2026-05"]


def test_catch_up_is_capped_to_the_most_recent_periods() -> None:
    due = due_periods(
        every="month",
        timezone="UTC",
        first_start=date(2020, 1, 1),
        now=utc("2026-06-15T10:00:00+00:00"),
    )
    assert len(due) == CATCH_UP_PERIODS == 12
    assert (labels(due)[0], labels(due)[-1]) == ("2025-06", "2026-05")


@pytest.mark.parametrize(
    ("every", "now", "expected"),
    [
        ("quarter", "2027-01-01T00:00:00+01:00", ["2026-Q2", "2026-Q3", "2026-Q4"]),
        ("quarter", "2026-12-31T23:59:00+01:00", ["2026-Q2", "2026-Q3"]),
        ("year", "2028-03-01T00:00:00+01:00", ["2026", "2027"]),
    ],
)
def test_quarters_and_years(every: str, now: str, expected: list[str]) -> None:
    first = first_period_start(
        every=every, timezone="Europe/Berlin", created_at=utc("2026-05-20T08:00:00+02:00")
    )
    due = due_periods(every=every, timezone="Europe/Berlin", first_start=first, now=utc(now))
    assert labels(due) == expected


def test_the_next_period_is_the_first_until_it_is_running() -> None:
    for now, expected in [
        ("2026-01-20T12:00:00+01:00", "2026-02"),
        ("2026-02-10T12:00:00+01:00", "2026-02"),
        ("2026-03-01T00:00:00+01:00", "2026-03"),
    ]:
        upcoming = next_period(
            every="month", timezone="Europe/Berlin", first_start=date(2026, 2, 1), now=utc(now)
        )
        assert upcoming.label == expected


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("start", ["2026-02-10T12:00:00+00:00", "2026-09-10T12:00:00+00:00"])
def test_hourly_ticks_produce_each_month_once_on_the_hour_it_ends(zone: str, start: str) -> None:
    """Four months of ticks every hour (across a DST change in spring or autumn): each
    month is due exactly once, at the first tick at or after its local midnight."""
    created = utc(start)
    first = first_period_start(every="month", timezone=zone, created_at=created)
    done: dict[str, datetime] = {}
    now = created
    while now < created + timedelta(days=122):
        for period in due_periods(
            every="month", timezone=zone, first_start=first, now=now, done=done.keys()
        ):
            assert period.label not in done
            done[period.label] = now
        now += timedelta(hours=1)
    assert len(done) == 4
    tz = ZoneInfo(zone)
    for label, when in done.items():
        end = ends_at(parse_period(label), zone)
        assert end <= when < end + timedelta(hours=1)
        local = when.astimezone(tz)
        assert (local.day, local.hour) == (1, 0)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    every=st.sampled_from(["month", "quarter", "year"]),
    created=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    gaps=st.lists(st.integers(min_value=1, max_value=300 * 24), min_size=1, max_size=30),
)
def test_any_tick_pattern_sends_every_period_once_in_order(
    zone: str, every: str, created: datetime, gaps: list[int]
) -> None:
    """Ticks at any times, at most 300 days apart: every ended period is produced once,
    never before it ends, oldest first, none missed."""
    created_at = created.replace(tzinfo=UTC)
    first = first_period_start(every=every, timezone=zone, created_at=created_at)
    produced: list[Period] = []
    now = created_at
    for hours in gaps:
        now += timedelta(hours=hours)
        due = due_periods(
            every=every,
            timezone=zone,
            first_start=first,
            now=now,
            done={p.label for p in produced},
        )
        for period in due:
            assert ends_at(period, zone) <= now
        produced += due
    starts = [p.start for p in produced]
    assert starts == sorted(set(starts))
    if produced:
        assert produced[0].start == first
    ended = [p for p in produced if ends_at(p, zone) <= now]
    assert ended == produced
    # nothing missed: the period after the last one produced has not ended yet
    following = produced[-1].end + timedelta(days=1) if produced else first
    assert ends_at(period_containing(following, every), zone) > now
