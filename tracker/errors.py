"""Errors the user can act on, with the exit code the CLI gives them."""


class TrackerError(Exception):
    """Base class: a message a contract manager can read and act on."""

    exit_code = 1


class BadInput(TrackerError):
    """The request itself is wrong (unknown id, malformed value): exit code 2."""

    exit_code = 2


class NotFound(BadInput):
    """A named record does not exist."""


class ConfigError(BadInput):
    """A TRACKER_* setting is missing or malformed."""


class Failure(TrackerError):
    """The request was fine but could not be carried out: exit code 1."""
