"""Instruments for the sweep benchmark: time each unit of work, capture its SELECTs, EXPLAIN.

`Phases` wraps the four `*_batch` functions that `tracker.reminders.passes.sweep` calls (in
this process only, nothing in tracker/ is edited), so a timed sweep also says where its
time went, and the first SELECT each one issues can be explained with its real parameters.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from tracker.reminders import passes as ticks

# phase name -> the function `ticks.sweep` looks up in its module at call time
PATCHED = {
    "roll_forward": "roll_forward_batch",
    "status": "status_batch",
    "remind": "reminder_batch",
    "compose": "compose_batch",
}
# What the sweep's own code is called, for the EXPLAIN listing.
SOURCE = {
    "roll_forward": "planning.roll_forward_batch",
    "status": "sweep.status_batch",
    "remind": "sweep.reminder_batch",
    "compose": "compose.compose_batch",
}


class Phases:
    """Seconds spent inside each batch function (BEGIN and COMMIT happen outside them)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.current: str | None = None
        self._saved: dict[str, Any] = {}

    def _wrap(self, phase: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.current = phase
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started
                self.calls[phase] += 1
                self.current = None

        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def __enter__(self) -> Phases:
        for phase, name in PATCHED.items():
            self._saved[name] = getattr(ticks, name)
            setattr(ticks, name, self._wrap(phase, self._saved[name]))
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._saved.items():
            setattr(ticks, name, original)
        self._saved.clear()


Captured = dict[str, tuple[str, Any]]


@contextmanager
def capture_selects(engine: Engine, phases: Phases) -> Iterator[Captured]:
    """The first SELECT each phase sends to the driver, with its driver-level parameters."""
    found: Captured = {}

    def listen(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        phase = phases.current
        if phase and phase not in found and statement.lstrip().upper().startswith("SELECT"):
            found[phase] = (statement, parameters)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The plan, one line per node: SQLite's EXPLAIN QUERY PLAN or PostgreSQL's EXPLAIN."""
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    return [str(row[3]) if sqlite else str(row[0]) for row in rows]


_COST = re.compile(r"\s*\(cost=[^)]*\)")


def summary(plan: list[str], *, sqlite: bool) -> str:
    """One line: SQLite's steps, or PostgreSQL's plan nodes without their costs."""
    if sqlite:
        return "; ".join(plan)
    nodes = [_COST.sub("", line).strip().removeprefix("->").strip() for line in plan]
    conditions = ("Filter", "Sort Key", "Index Cond", "Recheck Cond", "Join Filter", "Hash Cond")
    return " > ".join(n for n in nodes if n and not n.startswith(conditions))


def dialect_sql(statement: str) -> str:
    """The statement on one line, for printing."""
    return " ".join(statement.split())
