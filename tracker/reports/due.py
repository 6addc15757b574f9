"""When a schedule's periods end and which are due (pure: `now` is an argument)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.reports.periods import Period, period_containing

# After downtime only the most recent periods are caught up: a worker that was off for
# years should not mail dozens of stale reports at once. Older ones stay producible on
# demand with `tracker report --period ...`.
CATCH_UP_PERIODS = 12


def ends_at(period: Period, timezone: str) -> datetime:
    """The instant `period` is over: local midnight after its last day, in UTC.

    Where a DST jump skips midnight, zoneinfo reads 00:00 with the offset in force before
    the jump, which is the instant the new day begins.
    """
    midnight = datetime.combine(period.end + timedelta(days=1), time(0), ZoneInfo(timezone))
    return midnight.astimezone(UTC)


def first_period_start(*, every: str, timezone: str, created_at: datetime) -> date:
    """The first period that ends after the schedule was created: the one running then."""
    local_day = created_at.astimezone(ZoneInfo(timezone)).date()
    return period_containing(local_day, every).start


def due_periods(
    *,
    every: str,
    timezone: str,
    first_start: date,
    now: datetime,
    done: Collection[str] = (),
    limit: int = CATCH_UP_PERIODS,
) -> list[Period]:
    """Periods that have ended by `now`, from `first_start` on, whose label is not in
    `done`, oldest first. Only the last `limit` ended periods are considered: after a long
    downtime the older ones are not caught up (see CATCH_UP_PERIODS)."""
    running = period_containing(now.astimezone(ZoneInfo(timezone)).date(), every)
    ended: list[Period] = []
    period = running.previous()
    while len(ended) < limit and period.start >= first_start:
        ended.append(period)
        period = period.previous()
    return [p for p in reversed(ended) if p.label not in done]


def next_period(*, every: str, timezone: str, first_start: date, now: datetime) -> Period:
    """The next period whose end is still to come (what `schedule list` announces)."""
    running = period_containing(now.astimezone(ZoneInfo(timezone)).date(), every)
    first = period_containing(first_start, every)
    return first if first.start > running.start else running
