"""The clause library as the generator sees it: whatever files load, stored once each."""

from __future__ import annotations

import sys
from datetime import date, datetime

from sqlalchemy import Engine

from bench.portfolio import LibraryClause
from tracker.contracts.register import store_clause_version
from tracker.db import write_session
from tracker.domain.schedule import ContractDates, ScheduleError, contract_occurrences
from tracker.errors import BadInput
from tracker.library.loader import ClauseFileError, clause_files, load_clause_file
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile
from tracker.paths import shipped_clauses_dir

_SAMPLE = ContractDates(
    start_on=date(2025, 1, 1),
    end_on=date(2028, 12, 31),
    signed_on=date(2024, 11, 15),
    country="SE",
    timezone="Europe/Stockholm",
)


def loadable_clauses() -> list[ClauseFile]:
    """Every shipped clause file that loads; a broken (or half-written) one is skipped."""
    loaded = []
    for path in clause_files(shipped_clauses_dir()):
        try:
            loaded.append(load_clause_file(path))
        except ClauseFileError as exc:
            print(f"skipping {path.name}: {exc.problems[0]}", file=sys.stderr)
    return loaded


def _schedulable(clause: ClauseFile) -> bool:
    """What `attach_clause` checks before attaching: every template can be scheduled."""
    values = resolve_values(clause, {})
    try:
        for template in clause.obligations:
            occurrences = contract_occurrences(
                template, clause=clause, values=values, contract=_SAMPLE
            )
            next(occurrences, None)
    except ScheduleError:
        return False
    return True


def store_library(engine: Engine, clauses: list[ClauseFile], now: datetime) -> list[LibraryClause]:
    """Store each clause version once and resolve its default parameters once."""
    stored = []
    with write_session(engine) as session:
        for clause in clauses:
            try:
                parameters = resolve_values(clause, {})
            except BadInput as exc:
                print(f"skipping {clause.id}: {exc}", file=sys.stderr)
                continue
            if not _schedulable(clause):
                print(f"skipping {clause.id}: cannot be scheduled", file=sys.stderr)
                continue
            version_id = store_clause_version(session, clause, now=now)
            stored.append(LibraryClause(clause, version_id, parameters))
    return stored
