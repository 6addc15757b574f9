"""Business-day arithmetic: weekends, the public holidays of a contract's country, or of
one of its regions (`DE-BY`, `ES-CT`, `CH-ZH`: the holidays package's subdivisions), and
the buyer's own closure days (passed in as a set of dates; the domain never reads them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from tracker.domain.durations import DateOutOfRange

WEEKEND = frozenset({5, 6})  # Saturday, Sunday
NO_CLOSURES: frozenset[date] = frozenset()


@lru_cache(maxsize=1024)
def _holidays(country: str, year: int) -> frozenset[date]:
    # A plain set per country and year: the holidays package's own lookups are far slower
    # than a set, and a portfolio asks millions of times.
    code, _, region = country.partition("-")
    calendar: Any = holidays.country_holidays(code, subdiv=region or None, years=year)
    return frozenset(calendar.keys())


def check_calendar(value: str) -> str:
    """An upper-cased holiday calendar: a country (ISO 3166-1, `DE`) or one of its regions
    the holidays package knows (ISO 3166-2 without the country's own prefix, `DE-BY`).
    Raises ValueError saying what is known."""
    code, dash, region = value.strip().upper().partition("-")
    supported: dict[str, list[str]] = holidays.list_supported_countries()
    if code not in supported:
        raise ValueError(
            f"{value!r} is not a country code with a public-holiday calendar "
            "(ISO 3166 alpha-2, e.g. DE, SE, GB, or a region such as DE-BY)"
        )
    if not dash:
        return code
    regions = supported[code]
    if region not in regions:
        known = ", ".join(f"{code}-{r}" for r in regions[:12]) or "none"
        more = ", ..." if len(regions) > 12 else ""
        raise ValueError(f"{value!r} is not a region of {code} with holidays ({known}{more})")
    return f"{code}-{region}"


def holiday_checker(
    country: str | None, closed: frozenset[date] = NO_CLOSURES
) -> Callable[[date], bool]:
    """A predicate telling whether a date is a public holiday in `country` or one of the
    buyer's closure days `closed`."""
    if not country:
        return lambda day: day in closed
    if not closed:
        return lambda day: day in _holidays(country, day.year)
    return lambda day: day in closed or day in _holidays(country, day.year)


def is_business_day(day: date, country: str | None, closed: frozenset[date] = NO_CLOSURES) -> bool:
    return day.weekday() not in WEEKEND and not holiday_checker(country, closed)(day)


def add_business_days(
    start: date, count: int, country: str | None, closed: frozenset[date] = NO_CLOSURES
) -> date:
    """The `count`-th business day after `start` (before it if negative).

    The start day itself is day zero and is never counted, so "within 20 business days of
    the start date" is `add_business_days(start, 20, ...)`. A count of zero returns `start`.
    """
    is_holiday = holiday_checker(country, closed)
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    day = start
    try:
        while remaining:
            day += timedelta(days=step)
            if day.weekday() not in WEEKEND and not is_holiday(day):
                remaining -= 1
    except OverflowError:
        raise DateOutOfRange(f"{count} business days from {start} is not a date") from None
    return day


def roll(
    day: date, country: str | None, *, direction: int, closed: frozenset[date] = NO_CLOSURES
) -> date:
    """Move to the nearest business day in `direction` (+1 following, -1 preceding)."""
    is_holiday = holiday_checker(country, closed)
    try:
        while day.weekday() in WEEKEND or is_holiday(day):
            day += timedelta(days=direction)
    except OverflowError:
        raise DateOutOfRange(f"no business day next to {day}") from None
    return day
