"""Obligations: planning dated duties from attached clauses, their status, decisions, waivers.

The public use cases, for every door (CLI, web, API) to call. They are loaded on first use:
the modules behind them import sibling packages (findings, reminders) that import
`tracker.obligations.planning` in turn, and a light `__init__` keeps that free of cycles.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.obligations.decisions import Decided, Unwaived, Waived, decide, unwaive, waive
    from tracker.obligations.editing import Extended, extend
    from tracker.obligations.listing import (
        DecisionView,
        ObligationDetail,
        ObligationRow,
        PlanResult,
        list_obligations,
        plan,
        show_obligation,
        stream_obligations,
    )

_WHERE = {
    "Decided": "decisions",
    "Unwaived": "decisions",
    "Waived": "decisions",
    "decide": "decisions",
    "unwaive": "decisions",
    "waive": "decisions",
    "Extended": "editing",
    "extend": "editing",
    "DecisionView": "listing",
    "ObligationDetail": "listing",
    "ObligationRow": "listing",
    "PlanResult": "listing",
    "list_obligations": "listing",
    "plan": "listing",
    "show_obligation": "listing",
    "stream_obligations": "listing",
}

__all__ = [
    "Decided",
    "DecisionView",
    "Extended",
    "ObligationDetail",
    "ObligationRow",
    "PlanResult",
    "Unwaived",
    "Waived",
    "decide",
    "extend",
    "list_obligations",
    "plan",
    "show_obligation",
    "stream_obligations",
    "unwaive",
    "waive",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.obligations' has no attribute {name!r}")
    return getattr(import_module(f"tracker.obligations.{module}"), name)
