"""The real clock. Only adapters (CLI, worker, web) read it; the domain is given `now`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)
