"""Checks of user-supplied values; each error names the field to fix.

One rule per kind of value, used by every door: an address accepted here is one the mail
writer can put in a header and any SMTP server can take (no SMTPUTF8 local parts), and text
fields refuse every control character, tab included.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from tracker.config import check_country, check_timezone
from tracker.errors import BadInput

_CPV = re.compile(r"^(\d{8})(?:-(\d))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# Browsers' time inputs may add ":00" seconds.
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::00)?")


def email(value: str, *, field: str) -> str:
    try:
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise BadInput(
            f"{value!r} is not an email address we can send to ({exc})", field=field
        ) from None
    # An internationalised domain is kept in its ASCII (IDNA) form, which every server accepts.
    return checked.ascii_email or checked.normalized


def timezone(value: str, *, field: str) -> str:
    try:
        return check_timezone(value)
    except ValueError as exc:
        raise BadInput(str(exc), field=field) from None


def country(value: str | None, *, field: str) -> str | None:
    if value is None:
        return None
    try:
        return check_country(value)
    except ValueError as exc:
        raise BadInput(str(exc), field=field) from None


def cpv(value: str, *, field: str) -> str:
    """An 8-digit CPV code, optionally with its check digit (30213100-6); stored bare."""
    match = _CPV.match(value.strip())
    if match is None:
        raise BadInput(f"{value!r} is not a CPV code (8 digits, e.g. 30213100)", field=field)
    return match.group(1)


def currency(value: str, *, field: str) -> str:
    code = value.strip().upper()
    if not _CURRENCY.match(code):
        raise BadInput(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, SEK)", field=field)
    return code


def text(value: str, *, field: str, max_length: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise BadInput("must not be empty", field=field)
    if len(cleaned) > max_length:
        raise BadInput(f"is longer than {max_length} characters", field=field)
    if has_control(cleaned):
        raise BadInput(
            "must be a single line without control characters (tabs included)", field=field
        )
    return cleaned


def reminder_time(value: str, *, field: str) -> int | None:
    """A local time of day `HH:MM` (24-hour clock) as minutes after midnight; blank: none
    of its own (the site's reminder hour applies)."""
    cleaned = value.strip()
    if not cleaned:
        return None
    match = _CLOCK.fullmatch(cleaned)
    if match is None:
        raise BadInput(f"{value!r} is not a time of day; use HH:MM, e.g. 08:00", field=field)
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        raise BadInput(f"{value!r} is not a time of day (00:00 to 23:59)", field=field)
    return hours * 60 + minutes


def clock_text(minute_of_day: int | None) -> str | None:
    """Minutes after midnight as `HH:MM`."""
    if minute_of_day is None:
        return None
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def has_control(value: str) -> bool:
    """Control characters (C0, DEL, C1), tab and line breaks included."""
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value)
