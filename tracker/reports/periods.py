"""Reporting periods: a month, a quarter, a year or a custom range of dates (inclusive)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.domain.durations import shift
from tracker.errors import BadInput

KINDS = ("month", "quarter", "year", "custom")
EVERY = ("month", "quarter", "year")
_MONTHS = {"month": 1, "quarter": 3, "year": 12}

_YEAR = re.compile(r"([0-9]{4})")
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([1-4])")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_HINT = "use 2026-Q4, 2026-11, 2026 or 2026-10-01..2026-12-31"


@dataclass(frozen=True)
class Period:
    """Dates in the buyer's timezone, both ends included."""

    start: date
    end: date
    label: str
    kind: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period {self.label}: end {self.end} is before start {self.start}")
        if self.kind not in KINDS:
            raise ValueError(f"period kind {self.kind!r} is not one of {', '.join(KINDS)}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self, n: int = 1) -> Period:
        """The period `n` steps earlier of the same length: the previous month, quarter or
        year (calendar lengths), or for a custom range the same number of days before it."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if self.kind == "custom":
            back = timedelta(days=self.days * n)
            return custom_period(self.start - back, self.end - back)
        return _calendar_period(
            shift(self.start, months=-_MONTHS[self.kind] * n, days=0), self.kind
        )


def custom_period(start: date, end: date) -> Period:
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "custom")


def _calendar_period(first: date, kind: str) -> Period:
    end = shift(first, months=_MONTHS[kind], days=-1)
    if kind == "month":
        label = f"{first.year:04d}-{first.month:02d}"
    elif kind == "quarter":
        label = f"{first.year:04d}-Q{(first.month - 1) // 3 + 1}"
    else:
        label = f"{first.year:04d}"
    return Period(first, end, label, kind)


def period_containing(day: date, every: str) -> Period:
    """The month, quarter or year that contains `day`."""
    if every == "month":
        return _calendar_period(day.replace(day=1), "month")
    if every == "quarter":
        return _calendar_period(date(day.year, (day.month - 1) // 3 * 3 + 1, 1), "quarter")
    if every == "year":
        return _calendar_period(date(day.year, 1, 1), "year")
    raise BadInput(f"{every!r} is not one of {', '.join(EVERY)}", field="every")


def parse_period(text: str) -> Period:
    """`2026-Q4`, `2026-11`, `2026` or `2026-10-01..2026-12-31` (both ends included)."""
    value = text.strip()
    try:
        if ".." in value:
            first, _, last = value.partition("..")
            if not (first.isascii() and last.isascii()):
                raise ValueError(value)
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
            if end < start:
                raise BadInput(f"{text!r} ends before it starts", field="period")
            return custom_period(start, end)
        if match := _QUARTER.fullmatch(value):
            year, quarter = int(match[1]), int(match[2])
            return _calendar_period(date(year, 3 * quarter - 2, 1), "quarter")
        if match := _MONTH.fullmatch(value):
            return _calendar_period(date(int(match[1]), int(match[2]), 1), "month")
        if match := _YEAR.fullmatch(value):
            return _calendar_period(date(int(match[1]), 1, 1), "year")
    except ValueError:
        pass
    raise BadInput(f"{text!r} is not a period; {_HINT}", field="period")
