"""A clause prepared for a tender document: text with the buyer's values, schedule in words."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.durations import CalendarKind, Duration
from tracker.library.describe import describe, span_words
from tracker.library.parameters import JsonValue, render_text
from tracker.library.schema import ClauseFile, ParamType, Verification

SOURCE_WORDS = {
    Verification.VERIFIED: "verified in the source",
    Verification.SECONDARY: "from a secondary source",
    Verification.INFERENCE: "recommended default, not from a source",
}


@dataclass(frozen=True)
class ParameterRow:
    name: str
    label: str
    value: str
    origin: str  # "set by the buyer" or the default's provenance


@dataclass(frozen=True)
class ObligationRow:
    title: str
    when: str
    evidence: list[str]
    description: str


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    formats: str
    confidentiality: str
    validity: str
    required_fields: str


@dataclass(frozen=True)
class ReferenceRow:
    title: str
    section: str
    publisher: str
    url: str
    verification: str


@dataclass(frozen=True)
class ClauseDocument:
    id: str
    version: str
    title: str
    category: str
    summary: str
    text: list[str]  # paragraphs
    parameters: list[ParameterRow]
    obligations: list[ObligationRow]
    evidence: list[EvidenceRow]
    references: list[ReferenceRow]


def words(clause: ClauseFile, values: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """Parameter values as a reader expects them in prose: P20D -> '20 business days'."""
    shown = dict(values)
    for name, definition in clause.parameters.items():
        if definition.type is ParamType.DURATION and values.get(name) is not None:
            calendar = definition.calendar or CalendarKind.CALENDAR
            shown[name] = span_words(Duration.parse(str(values[name])), calendar)
        elif definition.type is ParamType.BOOLEAN:
            shown[name] = "yes" if values.get(name) else "no"
    return shown


def build(clause: ClauseFile, values: dict[str, JsonValue], given: set[str]) -> ClauseDocument:
    """Everything a buyer pastes into a contract annex, with its values filled in."""
    shown = words(clause, values)
    filled = render_text(clause.clause_text, shown)
    paragraphs = [" ".join(p.split()) for p in filled.split("\n\n") if p.strip()]
    labels = {e.id: e.label for e in clause.evidence_types}
    return ClauseDocument(
        id=clause.id,
        version=clause.version,
        title=clause.title,
        category=clause.category.value,
        summary=" ".join(clause.summary.split()),
        text=paragraphs,
        parameters=[
            ParameterRow(
                name=name,
                label=p.label or name.replace("_", " "),
                value=str(shown[name]),
                origin="set by the buyer" if name in given else SOURCE_WORDS[p.source],
            )
            for name, p in clause.parameters.items()
        ],
        obligations=[
            ObligationRow(
                title=t.title,
                when=describe(t, clause, values),
                evidence=[labels.get(e, e) for e in t.evidence],
                description=" ".join(t.description.split()),
            )
            for t in clause.obligations
        ],
        evidence=[
            EvidenceRow(
                label=e.label,
                formats=", ".join(e.accepted_formats) or "any",
                confidentiality=e.confidentiality.value,
                validity="has a validity period" if e.has_validity else "",
                required_fields=", ".join(f.replace("_", " ") for f in e.required_fields),
            )
            for e in clause.evidence_types
        ],
        references=[
            ReferenceRow(
                title=r.title,
                section=r.section or "",
                publisher=r.publisher or "",
                url=r.url,
                verification=SOURCE_WORDS[r.verification],
            )
            for r in clause.references
        ],
    )
