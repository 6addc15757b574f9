"""The dates a contract may have: bounded, so every schedule built from them can be computed.

A contract ending 9999-12-31 was accepted and then broke `contract show` (issue 11, item 15):
dates are refused at input instead, with the bounds in the message.
"""

from __future__ import annotations

from datetime import date

from tracker.errors import BadInput

EARLIEST = date(1990, 1, 1)
LATEST = date(2200, 12, 31)
MAX_YEARS = 50


def in_range(day: date, *, field: str) -> date:
    """A date between 1990-01-01 and 2200-12-31."""
    if not EARLIEST <= day <= LATEST:
        raise BadInput(
            f"{day.isoformat()} is outside the dates the tracker accepts "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})",
            field=field,
        )
    return day


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_contract_dates(*, start_on: date, end_on: date, signed_on: date | None) -> None:
    """Start, end and signature in range; the end on or after the start and within 50
    years of it; the signature no later than the end."""
    in_range(start_on, field="start_on")
    in_range(end_on, field="end_on")
    if signed_on is not None:
        in_range(signed_on, field="signed_on")
    if end_on < start_on:
        raise BadInput(f"{end_on} is before the start date {start_on}", field="end_on")
    if end_on > _add_years(start_on, MAX_YEARS):
        raise BadInput(
            f"{end_on} is more than {MAX_YEARS} years after the start date {start_on}",
            field="end_on",
        )
    if signed_on is not None and signed_on > end_on:
        raise BadInput(f"{signed_on} is after the end date {end_on}", field="signed_on")
