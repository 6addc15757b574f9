"""What a page request can fail with before any use case runs."""

from __future__ import annotations


class SignInNeeded(Exception):
    """No valid session: the person is sent to the sign-in page."""


class CsrfRefused(Exception):
    """A form post without this session's token (forged, or from an expired page)."""


class TooLarge(Exception):
    """The request body or an uploaded file is over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit} bytes")
        self.limit = limit


class MalformedForm(Exception):
    """A form that could not be read."""
