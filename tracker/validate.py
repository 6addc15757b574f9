"""Checks of user-supplied values; each error names the option or field to fix."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from tracker.config import check_country, check_timezone
from tracker.errors import BadInput

_CPV = re.compile(r"^(\d{8})(?:-(\d))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def email(value: str, *, option: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise BadInput(f"{option}: {value!r} is not an email address ({exc})") from None


def timezone(value: str, *, option: str) -> str:
    try:
        return check_timezone(value)
    except ValueError as exc:
        raise BadInput(f"{option}: {exc}") from None


def country(value: str | None, *, option: str) -> str | None:
    if value is None:
        return None
    try:
        return check_country(value)
    except ValueError as exc:
        raise BadInput(f"{option}: {exc}") from None


def cpv(value: str, *, option: str) -> str:
    """An 8-digit CPV code, optionally with its check digit (30213100-6); stored bare."""
    match = _CPV.match(value.strip())
    if match is None:
        raise BadInput(f"{option}: {value!r} is not a CPV code (8 digits, e.g. 30213100)")
    return match.group(1)


def currency(value: str, *, option: str) -> str:
    code = value.strip().upper()
    if not _CURRENCY.match(code):
        raise BadInput(f"{option}: {value!r} is not an ISO 4217 currency code (e.g. EUR, SEK)")
    return code


def text(value: str, *, option: str, max_length: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise BadInput(f"{option}: must not be empty")
    if len(cleaned) > max_length:
        raise BadInput(f"{option}: is longer than {max_length} characters")
    if any(ord(ch) < 32 and ch not in "\t" for ch in cleaned):
        raise BadInput(f"{option}: must be a single line without control characters")
    return cleaned
