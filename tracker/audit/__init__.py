"""Audit: the append-only, hash-chained trail of every change, and its verification.

`chain.record` is how use cases write an event inside their own transaction; doors read the
trail with `log` and check it with `verify`. Those two are loaded on first use: the trail
looks up contracts, whose use cases themselves write audit events.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.audit.trail import ChainReport, log, verify

__all__ = ["ChainReport", "log", "verify"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("tracker.audit.trail"), name)
