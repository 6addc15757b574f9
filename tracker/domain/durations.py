"""Date-only ISO 8601 durations (P20D, P6W, P12M, P2Y, -P90D) and their calendars.

Clause files need only date parts: a due date is a date, never an instant, so time parts
(PT12H) are refused rather than silently rounded.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

_PATTERN = re.compile(
    r"^(?P<sign>-)?P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$"
)


# No clause period is longer than a century; bounding durations keeps date arithmetic (and
# typos such as P99999999D) from overflowing.
MAX_DURATION_YEARS = 100
MAX_DURATION_DAYS = MAX_DURATION_YEARS * 366


class DateOutOfRange(OverflowError):
    """Date arithmetic went past the dates Python knows (years 1 to 9999)."""


class CalendarKind(StrEnum):
    """How a duration is counted: every day, or only business days."""

    CALENDAR = "calendar"
    BUSINESS = "business"


@dataclass(frozen=True, slots=True)
class Duration:
    """A signed span of years, months, weeks and days."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    negative: bool = False

    @classmethod
    def parse(cls, text: str) -> Duration:
        return _parse(text)

    @classmethod
    def _parse_uncached(cls, text: str) -> Duration:
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None or text.strip() in ("P", "-P"):
            raise ValueError(
                f"{text!r} is not a date duration; use ISO 8601 such as P20D, P6W, P12M, P2Y "
                "or -P90D for 'before'"
            )
        too_long = f"{text.strip()!r} is longer than {MAX_DURATION_YEARS} years"
        # Checked on the digits before int(): a thousand-digit number is refused, not parsed.
        if any(v and len(v) > 6 for k, v in match.groupdict().items() if k != "sign"):
            raise ValueError(too_long)
        parts = {k: int(v) if v else 0 for k, v in match.groupdict().items() if k != "sign"}
        length = parts["y"] * 366 + parts["m"] * 31 + parts["w"] * 7 + parts["d"]
        if length > MAX_DURATION_DAYS:
            raise ValueError(too_long)
        return cls(
            years=parts["y"],
            months=parts["m"],
            weeks=parts["w"],
            days=parts["d"],
            negative=match.group("sign") == "-",
        )

    @property
    def is_zero(self) -> bool:
        return not (self.years or self.months or self.weeks or self.days)

    @property
    def sign(self) -> int:
        return -1 if self.negative else 1

    @property
    def is_day_based(self) -> bool:
        """True if the duration has no year or month part (its length never varies)."""
        return not (self.years or self.months)

    @property
    def total_days(self) -> int:
        """Signed number of days; only meaningful when `is_day_based`."""
        return self.sign * (self.weeks * 7 + self.days)

    @property
    def total_months(self) -> int:
        return self.sign * (self.years * 12 + self.months)

    @property
    def day_part(self) -> int:
        """Signed days of the week and day parts (what follows the months)."""
        return self.sign * (self.weeks * 7 + self.days)

    def add_to(self, day: date, factor: int = 1) -> date:
        """`day` plus this duration times `factor`, in one step so month ends never drift."""
        return shift(day, months=self.total_months * factor, days=self.day_part * factor)

    def approx_days(self) -> float:
        return abs(self.total_months) * 30.44 + abs(self.sign * (self.weeks * 7 + self.days))

    def __str__(self) -> str:
        if self.is_zero:
            return "P0D"
        body = "".join(
            f"{value}{unit}"
            for value, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.weeks, "W"),
                (self.days, "D"),
            )
            if value
        )
        return f"{'-' if self.negative else ''}P{body}"


@lru_cache(maxsize=4096)
def _parse(text: str) -> Duration:
    # Clause files repeat a handful of durations millions of times at portfolio scale.
    return Duration._parse_uncached(text)


def shift(day: date, *, months: int, days: int) -> date:
    """Add whole months (clamping to the month's last day, as dateutil's relativedelta
    does: 31 Jan + 1 month = 28/29 Feb), then days. Integer arithmetic: planning a
    portfolio calls this millions of times. Raises DateOutOfRange past year 1 or 9999."""
    try:
        if months:
            index = day.year * 12 + day.month - 1 + months
            year, month = divmod(index, 12)
            month += 1
            if not 1 <= year <= 9999:
                raise DateOutOfRange(f"{day} plus {months} months is not a date")
            last = calendar.monthrange(year, month)[1]
            day = date(year, month, min(day.day, last))
        return day + timedelta(days=days) if days else day
    except OverflowError:
        raise DateOutOfRange(f"{day} plus {days} days is not a date") from None
