"""Check what a submitter says about a piece of evidence against its type in the clause.

Pure: the evidence type's required fields, its validity rule and its accepted formats
(`url` for links) decide; every problem names its field (`fields.expiry_date`, `valid_until`)
for each door to show where it belongs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from tracker.errors import BadInput
from tracker.library.schema import EvidenceType

# Fields whose names say they hold a date (issued_on, expiry_date, checked_on, ...).
DATE_FIELD = re.compile(r"(_on|_date)$")
EXPIRY_FIELDS = ("expiry_date", "valid_until", "expires_on")
MAX_FIELD = 1000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Checked:
    fields: dict[str, str]
    valid_from: date | None
    valid_until: date | None


def parse_field_options(pairs: list[str]) -> dict[str, str]:
    """`--field name=value` options as a dict; a name given twice is an error."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadInput(f"{pair!r}: write it as NAME=VALUE", field="fields")
        if name in found:
            raise BadInput("given twice", field=f"fields.{name}")
        found[name] = value.strip()
    return found


def missing_fields(kind: EvidenceType, given: dict[str, str]) -> list[str]:
    return [name for name in kind.required_fields if not given.get(name)]


def check_submission(
    kind: EvidenceType,
    given: dict[str, str],
    *,
    valid_from: date | None,
    valid_until: date | None,
) -> Checked:
    """Validate fields and validity; an expiry date given as a field sets `valid_until`."""
    for name, value in given.items():
        if name not in kind.required_fields:
            known = ", ".join(kind.required_fields) or "none"
            raise BadInput(
                f"evidence type {kind.id!r} has no field {name!r} (its fields: {known})",
                field=f"fields.{name}",
            )
        if len(value) > MAX_FIELD or CONTROL.search(value):
            raise BadInput(
                f"at most {MAX_FIELD} characters, no control characters", field=f"fields.{name}"
            )
        if DATE_FIELD.search(name):
            try:
                date.fromisoformat(value)
            except ValueError:
                raise BadInput(
                    f"{value!r} is not a date (YYYY-MM-DD)", field=f"fields.{name}"
                ) from None
    missing = missing_fields(kind, given)
    if missing:
        raise BadInput(
            f"evidence type {kind.id!r} needs {', '.join(missing)} (give each as NAME=VALUE)",
            field="fields",
        )
    for name in EXPIRY_FIELDS:
        if name in given:
            stated = date.fromisoformat(given[name])
            if valid_until is not None and valid_until != stated:
                raise BadInput(
                    f"{valid_until} differs from the {name} field ({stated})", field="valid_until"
                )
            valid_until = stated
    if kind.has_validity and valid_until is None:
        raise BadInput(
            f"evidence type {kind.id!r} expires; give its expiry date", field="valid_until"
        )
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise BadInput(
            f"{valid_from} is after the end of validity ({valid_until})", field="valid_from"
        )
    return Checked(dict(sorted(given.items())), valid_from, valid_until)


def check_url(kind: EvidenceType, url: str) -> str:
    """A link as evidence: only where the type accepts `url`, and only http(s)."""
    if kind.accepted_formats and "url" not in kind.accepted_formats:
        raise BadInput(
            f"evidence type {kind.id!r} accepts {', '.join(kind.accepted_formats)}, not a link",
            field="url",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        raise BadInput(f"{url!r} is not an http(s) address", field="url")
    if len(url) > 2000 or CONTROL.search(url):
        raise BadInput("at most 2000 characters, no control characters", field="url")
    return url
