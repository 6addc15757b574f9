"""Local wall-clock times in a contract's timezone, as UTC instants, DST-safe.

Reminders fall at a local time (the contract's own, else the site's hour, default 08:00),
so a DST change moves the UTC instant, never the local time, and never skips or repeats a
day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """ZoneInfo keeps only 8 zones strongly cached; a portfolio spans more."""
    return ZoneInfo(name)


def local_instant(day: date, hour: int, timezone: str, minute: int = 0) -> datetime:
    """`hour`:`minute` on `day` in `timezone`, as a UTC instant.

    A wall time that does not exist (spring-forward gap) is taken after the gap; one that
    exists twice (autumn) is taken the first time, so each local day has exactly one instant.
    """
    # PEP 495: fold=0 maps a gap time with the pre-transition offset (so after the gap)
    # and an ambiguous time to its first occurrence.
    return datetime.combine(day, time(hour, minute), tzinfo=zone(timezone)).astimezone(UTC)


def reminder_clock(minute_of_day: int | None, *, default_hour: int) -> tuple[int, int]:
    """The local (hour, minute) a contract's reminders go out: its own time (minutes after
    local midnight), else the site's hour."""
    if minute_of_day is None:
        return default_hour, 0
    return divmod(minute_of_day, 60)
