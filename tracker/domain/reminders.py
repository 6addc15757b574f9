"""Reminder policy: when an obligation's reminders fall, as instants in UTC.

Steps fall at a local hour (default 08:00) in the contract's timezone, so a DST change
moves the UTC instant, never the local time, and never skips or repeats a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.domain.durations import Duration

DEFAULT_BEFORE_DUE = ("P30D", "P14D", "P3D")
DEFAULT_AFTER_DUE = ("P1D", "P7D", "P14D", "P30D")


@dataclass(frozen=True, slots=True)
class ReminderStep:
    name: str  # "before:P14D", "due", "after:P7D"
    on: date
    at: datetime  # UTC


def local_instant(day: date, hour: int, timezone: str) -> datetime:
    """`hour`:00 on `day` in `timezone`, as a UTC instant.

    A wall time that does not exist (spring-forward gap) is taken after the gap; one that
    exists twice (autumn) is taken the first time, so each local day has exactly one instant.
    """
    # PEP 495: fold=0 maps a gap time with the pre-transition offset (so after the gap)
    # and an ambiguous time to its first occurrence.
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def lead_days(before_due: Sequence[str] | None) -> int:
    """How many days before the due date the first reminder falls."""
    steps = before_due if before_due is not None else DEFAULT_BEFORE_DUE
    return max((Duration.parse(s).total_days for s in steps), default=0)


def reminder_steps(
    due_on: date,
    *,
    timezone: str,
    hour: int,
    before_due: Sequence[str] | None = None,
    after_due: Sequence[str] | None = None,
) -> list[ReminderStep]:
    """Every reminder step of one obligation, in time order, without duplicates."""
    before = before_due if before_due is not None else DEFAULT_BEFORE_DUE
    after = after_due if after_due is not None else DEFAULT_AFTER_DUE
    by_day: dict[date, str] = {}
    for text in before:
        day = due_on - timedelta(days=Duration.parse(text).total_days)
        by_day.setdefault(day, "due" if day == due_on else f"before:{text}")
    by_day[due_on] = "due"
    for text in after:
        day = due_on + timedelta(days=Duration.parse(text).total_days)
        by_day.setdefault(day, f"after:{text}")
    return [
        ReminderStep(name, day, local_instant(day, hour, timezone))
        for day, name in sorted(by_day.items())
    ]


def next_reminder_at(steps: Sequence[ReminderStep], now: datetime) -> datetime | None:
    """The step to act on next: the latest one already passed, else the first to come.

    After downtime only the latest missed step still applies, so it is sent once.
    """
    passed = [s.at for s in steps if s.at <= now]
    if passed:
        return max(passed)
    upcoming = [s.at for s in steps if s.at > now]
    return min(upcoming) if upcoming else None


def step_days(
    due_on: date,
    *,
    before_due: Sequence[str] | None = None,
    after_due: Sequence[str] | None = None,
) -> list[date]:
    """The dates of every reminder step, ascending, without duplicates."""
    before = before_due if before_due is not None else DEFAULT_BEFORE_DUE
    after = after_due if after_due is not None else DEFAULT_AFTER_DUE
    days = {due_on}
    days.update(due_on - timedelta(days=Duration.parse(t).total_days) for t in before)
    days.update(due_on + timedelta(days=Duration.parse(t).total_days) for t in after)
    return sorted(days)


def next_reminder_instant(
    days: Sequence[date], *, local_now: datetime, hour: int, timezone: str
) -> datetime | None:
    """Same answer as `next_reminder_at(reminder_steps(...), now)` with one conversion.

    `local_now` is now in the contract's timezone. Steps fall at `hour` local, so a step
    on `day` has passed when day < today, or day == today and the hour has come.
    """
    today, reached = local_now.date(), local_now.hour >= hour
    passed = [d for d in days if d < today or (d == today and reached)]
    if passed:
        return local_instant(passed[-1], hour, timezone)
    upcoming = [d for d in days if d not in passed]
    return local_instant(upcoming[0], hour, timezone) if upcoming else None
