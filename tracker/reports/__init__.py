"""Compliance reports: figures for a scope and period, rendered as HTML, PDF, CSV and XLSX,
the record of every report produced, and scheduled reports sent by email.

The use cases are loaded on first use: rendering pulls in matplotlib, WeasyPrint and
openpyxl, which commands that produce no report must not pay for at start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.reports.on_demand import ProducedReport, produce_report
    from tracker.reports.produce import FORMATS, MEDIA_TYPES, check_format
    from tracker.reports.runs import list_runs, run_file, run_filename, sha256
    from tracker.reports.schedules import (
        add_schedule,
        list_schedules,
        remove_schedule,
        tick,
    )

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "ProducedReport",
    "add_schedule",
    "check_format",
    "list_runs",
    "list_schedules",
    "produce_report",
    "remove_schedule",
    "run_file",
    "run_filename",
    "sha256",
    "tick",
]

_HOME = {
    "ProducedReport": "tracker.reports.on_demand",
    "produce_report": "tracker.reports.on_demand",
    "FORMATS": "tracker.reports.produce",
    "MEDIA_TYPES": "tracker.reports.produce",
    "check_format": "tracker.reports.produce",
    "list_runs": "tracker.reports.runs",
    "run_file": "tracker.reports.runs",
    "run_filename": "tracker.reports.runs",
    "sha256": "tracker.reports.runs",
    "add_schedule": "tracker.reports.schedules",
    "list_schedules": "tracker.reports.schedules",
    "remove_schedule": "tracker.reports.schedules",
    "tick": "tracker.reports.schedules",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
