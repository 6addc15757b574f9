"""Local wall-clock times in a contract's timezone, as UTC instants, DST-safe.

Reminders fall at a local hour (default 08:00), so a DST change moves the UTC instant,
never the local time, and never skips or repeats a day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    """ZoneInfo keeps only 8 zones strongly cached; a portfolio spans more."""
    return ZoneInfo(name)


def local_instant(day: date, hour: int, timezone: str) -> datetime:
    """`hour`:00 on `day` in `timezone`, as a UTC instant.

    A wall time that does not exist (spring-forward gap) is taken after the gap; one that
    exists twice (autumn) is taken the first time, so each local day has exactly one instant.
    """
    # PEP 495: fold=0 maps a gap time with the pre-transition offset (so after the gap)
    # and an ambiguous time to its first occurrence.
    return datetime.combine(day, time(hour), tzinfo=zone(timezone)).astimezone(UTC)
