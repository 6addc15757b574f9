"""Errors the user can act on, with the exit code the CLI gives them.

A `BadInput` names the *field* it is about in the use case's own words (`end_on`,
`params.disclosure_period`, `fields.audit_date`), never a door's vocabulary: the CLI maps the
field to its option (`--end`), the web to its form field, the API to a JSON pointer.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class: a message a contract manager can read and act on."""

    exit_code = 1


class BadInput(TrackerError):
    """The request itself is wrong (unknown id, malformed value): exit code 2."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(BadInput):
    """A named record does not exist."""


class ConfigError(BadInput):
    """A TRACKER_* setting is missing or malformed."""


class Failure(TrackerError):
    """The request was fine but could not be carried out: exit code 1."""
