"""Findings and their corrective action plans: the public use cases, loaded on first use
(the register imports obligations and reminders, which import back into this package)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.findings.register import (
        FindingRow,
        FindingView,
        RaisedFinding,
        Severity,
        add_finding,
        edit_finding,
        list_findings,
        show_finding,
    )

__all__ = [
    "FindingRow",
    "FindingView",
    "RaisedFinding",
    "Severity",
    "add_finding",
    "edit_finding",
    "list_findings",
    "show_finding",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'tracker.findings' has no attribute {name!r}")
    return getattr(import_module("tracker.findings.register"), name)
