"""Keep portal and calendar feed tokens out of the web server's access log."""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"/s/[^/?\s\"]+")
_FEED_PATH = re.compile(r"/ics/[^/?\s\"]+")


def redact(text: str) -> str:
    """'/s/<token>/receipts/3' -> '/s/[link]/receipts/3'; '/ics/<token>.ics' -> '/ics/[feed]'."""
    return _FEED_PATH.sub("/ics/[feed]", _TOKEN_PATH.sub("/s/[link]", text))


class RedactPortalTokens(logging.Filter):
    """For uvicorn's access logger: its record's arguments carry the request path."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(RedactPortalTokens())
