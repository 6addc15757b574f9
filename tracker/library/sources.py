"""The source check (`tracker clauses check --strict`) and the library's verified share.

A default that claims `verified` must say where: a reference it names that carries a URL and
a section. Anything less is a claim nobody can check, so the strict check refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.library.schema import ClauseFile, Verification


@dataclass(frozen=True, slots=True)
class SourceProblem:
    clause_id: str
    field: str  # e.g. "parameters.cap_period.references"
    message: str

    def __str__(self) -> str:
        return f"{self.clause_id}: {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class VerifiedShare:
    verified: int  # defaults that claim `verified`
    total: int  # all parameter defaults

    @property
    def percent(self) -> int:
        return round(100 * self.verified / self.total) if self.total else 0

    def __str__(self) -> str:
        return f"{self.verified}/{self.total} defaults verified ({self.percent}%)"


def source_problems(clause: ClauseFile) -> list[SourceProblem]:
    """Why the clause's verified defaults cannot be checked against their sources."""
    found: list[SourceProblem] = []
    by_id = {r.id: r for r in clause.references}
    for name, parameter in clause.parameters.items():
        field = f"parameters.{name}.references"
        missing = [ref for ref in parameter.references if ref not in by_id]
        for ref in missing:
            found.append(SourceProblem(clause.id, field, f"{ref!r} is not one of references"))
        if parameter.source is not Verification.VERIFIED:
            continue
        cited = [by_id[ref] for ref in parameter.references if ref in by_id]
        if not any(r.url and r.section for r in cited):
            found.append(
                SourceProblem(
                    clause.id,
                    field,
                    "the default claims verified: name a reference that has a URL and a "
                    "section, or mark the default secondary or inference",
                )
            )
    return found


def verified_share(clauses: Iterable[ClauseFile]) -> VerifiedShare:
    verified = total = 0
    for clause in clauses:
        for parameter in clause.parameters.values():
            total += 1
            verified += parameter.source is Verification.VERIFIED
    return VerifiedShare(verified, total)
