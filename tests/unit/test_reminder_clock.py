"""A contract's own reminder time: the local clock through DST, the first cursor, and the
cursor moving when the time changes (the same step next, none sent twice)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tracker.domain.localtime import local_instant, reminder_clock
from tracker.domain.policy import decide, first_reminder_at, moved_cursor, steps_for
from tracker.errors import BadInput
from tracker.validate import clock_text, reminder_time

STOCKHOLM = "Europe/Stockholm"


def test_half_past_two_in_stockholm_is_an_hour_earlier_in_utc_in_winter_two_in_summer() -> None:
    assert local_instant(date(2027, 1, 11), 14, STOCKHOLM, 30) == datetime(
        2027, 1, 11, 13, 30, tzinfo=UTC
    )
    assert local_instant(date(2027, 6, 11), 14, STOCKHOLM, 30) == datetime(
        2027, 6, 11, 12, 30, tzinfo=UTC
    )


def test_the_contracts_time_wins_over_the_sites_hour() -> None:
    assert reminder_clock(None, default_hour=8) == (8, 0)
    assert reminder_clock(14 * 60 + 30, default_hour=8) == (14, 30)
    assert reminder_clock(0, default_hour=8) == (0, 0)


def test_a_step_comes_at_the_minute_not_at_the_hour() -> None:
    steps = steps_for(date(2027, 2, 10), before_due=["P30D"])
    first = steps[0]
    assert first.on == date(2027, 1, 11)
    at = datetime(2027, 1, 11, 13, 30, tzinfo=UTC)
    early = decide(
        steps, now=at.replace(minute=29), timezone=STOCKHOLM, hour=14, minute=30, since=None
    )
    assert early.send is None
    assert early.next_at == at
    on_time = decide(steps, now=at, timezone=STOCKHOLM, hour=14, minute=30, since=None)
    assert on_time.send == first


def test_the_first_cursor_counts_minutes() -> None:
    days = [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 27)]
    zone = ZoneInfo(STOCKHOLM)

    def cursor(local_now: datetime) -> datetime | None:
        return first_reminder_at(days, local_now=local_now, timezone=STOCKHOLM, hour=14, minute=30)

    # At 14:29 today's step has not come: the latest that has is 4 January's.
    assert cursor(datetime(2027, 1, 11, 14, 29, tzinfo=zone)) == datetime(
        2027, 1, 4, 13, 30, tzinfo=UTC
    )
    # At 14:30 it has.
    assert cursor(datetime(2027, 1, 11, 14, 30, tzinfo=zone)) == datetime(
        2027, 1, 11, 13, 30, tzinfo=UTC
    )


def test_changing_the_time_keeps_the_same_step_next() -> None:
    cursor = datetime(2027, 1, 27, 13, 30, tzinfo=UTC)  # 14:30 in Stockholm
    moved = moved_cursor(cursor, timezone=STOCKHOLM, old=(14, 30), new=(8, 0))
    assert moved == datetime(2027, 1, 27, 7, 0, tzinfo=UTC)
    # Across DST: 08:00 on 30 March 2027 (summer time) is 06:00 UTC.
    summer = datetime(2027, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 local
    assert moved_cursor(summer, timezone=STOCKHOLM, old=(9, 0), new=(8, 0)) == datetime(
        2027, 3, 30, 6, 0, tzinfo=UTC
    )
    # A cursor that is not a step's time (reminders resumed "now") stays where it is.
    resumed = datetime(2027, 1, 27, 10, 17, tzinfo=UTC)
    assert moved_cursor(resumed, timezone=STOCKHOLM, old=(14, 30), new=(8, 0)) == resumed
    assert moved_cursor(None, timezone=STOCKHOLM, old=(14, 30), new=(8, 0)) is None


def test_reminder_times_are_read_as_a_clock() -> None:
    assert reminder_time("14:30", field="reminder_time") == 870
    assert reminder_time(" 8:05 ", field="reminder_time") == 485
    assert reminder_time("14:30:00", field="reminder_time") == 870  # a browser's time input
    assert reminder_time("", field="reminder_time") is None
    for bad in ("24:00", "14:60", "1430", "14:30:15", "noon"):
        with pytest.raises(BadInput) as refused:
            reminder_time(bad, field="reminder_time")
        assert refused.value.field == "reminder_time"
    assert clock_text(870) == "14:30"
    assert clock_text(None) is None
