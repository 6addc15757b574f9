"""How a page says a date relative to today: "in 3 days", "today", "5 days overdue"."""

from __future__ import annotations

from datetime import date


def days_word(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def relative(due_on: date, today: date, *, open_: bool = True) -> str:
    """Words for a deadline seen from `today` (both dates in the contract's timezone);
    a closed obligation's date is just a date."""
    if not open_:
        return ""
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"in {days_word(days)}"
    return f"{days_word(-days)} overdue"


def expires_in(valid_until: date, today: date) -> str:
    days = (valid_until - today).days
    if days == 0:
        return "expires today"
    if days > 0:
        return f"expires in {days_word(days)}"
    return f"expired {days_word(-days)} ago"
