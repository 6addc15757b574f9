"""What a report says, as plain values, and the pure maths behind it (no I/O).

The queries (`tracker.reports.queries`) fill these records; every renderer reads only them,
so all formats of one report show the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.reports.periods import Period
from tracker.reports.scope import Scope

# How an obligation of the period stands at the report's "as of" time. The order is the
# order of every table and chart.
OUTCOMES = ("on_time", "late", "overdue", "open", "under_review", "waived", "not_applicable")
OUTCOME_LABELS = {
    "on_time": "Met on time",
    "late": "Met late",
    "overdue": "Overdue",
    "open": "Open, not yet due",
    "under_review": "Under review",
    "waived": "Waived",
    "not_applicable": "Not applicable",
}
# Column headings where space is short (tables of the HTML/PDF).
OUTCOME_SHORT = {
    "on_time": "On time",
    "late": "Late",
    "overdue": "Overdue",
    "open": "Open",
    "under_review": "In review",
    "waived": "Waived",
    "not_applicable": "N/A",
}
CATEGORY_LABELS = {
    "human-rights-dd": "Human rights due diligence",
    "labour": "Labour",
    "chemicals": "Chemicals",
    "batteries": "Batteries",
    "minerals": "Minerals",
    "end-of-life": "End of life",
    "certification": "Certification",
    "environment": "Environment",
    "remediation": "Corrective actions",
}
SEVERITIES = ("priority", "major", "minor")
CERTIFICATE_WINDOW_DAYS = 90
TREND_PERIODS = 4  # earlier periods shown next to the reported one

DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        "Obligations in the period",
        "Every dated duty of a contract in scope whose planned due date falls within the "
        "period. The planned date is the original deadline, even if a rejection later set a "
        "resubmission deadline. Dates are in each contract's own timezone. Duties replaced "
        "by a newer version of their clause (superseded) are left out.",
    ),
    (
        "Met on time",
        "Evidence was accepted, and it had been submitted on or before the deadline in force "
        "(the resubmission deadline, when a rejection set one).",
    ),
    ("Met late", "Evidence was accepted, but it had been submitted after the deadline."),
    (
        "Overdue",
        "Not met, and the deadline had passed on the report date (in the contract's "
        "timezone): no evidence was submitted, or it was rejected and not resubmitted in time.",
    ),
    ("Open, not yet due", "Not met yet, and the deadline had not passed on the report date."),
    (
        "Under review",
        "Evidence was submitted and awaits the buyer's review. It counts neither as met nor "
        "as overdue until it is decided.",
    ),
    (
        "Waived, not applicable",
        "Released by a recorded decision of the buyer, with its reason. Listed, but left out "
        "of the on-time rate.",
    ),
    (
        "On-time rate",
        "Met on time ÷ (met on time + met late + overdue). Open, under-review, waived and "
        "not-applicable duties are left out. Shown as — when there is nothing to divide by.",
    ),
    (
        "Highest escalation level",
        "The highest step of the reminder ladder that any obligation of the period reached: "
        "0 none, 1 overdue reminders to the supplier, 2 formal notice, 3 the supplier's "
        "escalation contact, 4 decision on sanctions, 5 decision on termination.",
    ),
    (
        "Evidence submitted, accepted, rejected",
        "Documents submitted within the period (by the date in the contract's timezone), and "
        "documents accepted or rejected within it (by the review time in the report's "
        "timezone). Restricted evidence, such as factory lists, is counted but never named "
        "or shown.",
    ),
    (
        "Certificates expiring",
        f"Accepted evidence whose validity ends within {CERTIFICATE_WINDOW_DAYS} days after "
        "the report date, for which no accepted evidence of the same type for the same "
        "contract is valid longer.",
    ),
    ("Open findings", "Findings raised on or before the report date and not closed by then."),
    (
        "Corrective actions overdue",
        "Corrective action plans on findings whose deadline had passed on the report date "
        "without accepted evidence, whatever period their deadline falls in.",
    ),
    (
        "Trend",
        f"The same figures for the {TREND_PERIODS} preceding periods of the same length, "
        "judged on the same report date: a duty delivered late since then counts as met late.",
    ),
    (
        "Statuses",
        'As recorded in the tracker when the report was produced. The report date ("as of") '
        "is the moment deadlines are judged against.",
    ),
)


@dataclass(frozen=True)
class Outcomes:
    """Obligations counted by outcome."""

    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0
    under_review: int = 0
    waived: int = 0
    not_applicable: int = 0

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Outcomes:
        unknown = set(counts) - set(OUTCOMES)
        if unknown:
            raise ValueError(f"unknown outcomes {sorted(unknown)}")
        return cls(**{name: int(counts.get(name, 0) or 0) for name in OUTCOMES})

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in OUTCOMES}

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(**{k: v + getattr(other, k) for k, v in self.as_dict().items()})

    @property
    def total(self) -> int:
        return (
            self.on_time
            + self.late
            + self.overdue
            + self.open
            + self.under_review
            + self.waived
            + self.not_applicable
        )

    @property
    def judged(self) -> int:
        """The denominator of the on-time rate: met on time, met late, overdue."""
        return self.on_time + self.late + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(self.on_time, self.late, self.overdue)


def on_time_rate(on_time: int, late: int, overdue: int) -> float | None:
    """On time ÷ (on time + late + overdue); None when nothing was met or missed."""
    judged = on_time + late + overdue
    return None if judged == 0 else on_time / judged


def percent(rate: float | None, *, digits: int = 1) -> str:
    """`0.8333` -> `83.3 %`, None -> `—`."""
    return "—" if rate is None else f"{rate * 100:.{digits}f} %"


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    outcomes: Outcomes


def assemble_trend(periods: Sequence[Period], counts: Mapping[int, Outcomes]) -> list[TrendPoint]:
    """Oldest first. `periods[0]` is the reported period, `periods[i]` the i-th before it;
    `counts` is keyed by that index and a period without obligations counts zero."""
    return [
        TrendPoint(periods[i], counts.get(i, Outcomes())) for i in reversed(range(len(periods)))
    ]


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category) or category.replace("-", " ").capitalize()


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days


@dataclass(frozen=True)
class BreakdownLine:
    """One supplier, clause category or contract: `key` identifies it, `label` names it,
    `detail` says a little more (a supplier's country, a contract's supplier)."""

    key: str
    label: str
    detail: str
    outcomes: Outcomes
    max_escalation: int

    @property
    def on_time_rate(self) -> float | None:
        return self.outcomes.on_time_rate


class Tally:
    """Adds up (outcome, count, highest level) groups as the database returns them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        self.level = 0

    def add(self, outcome: str, count: int, level: int | None) -> None:
        if outcome not in self.counts:
            raise ValueError(f"unknown outcome {outcome!r}")
        self.counts[outcome] += int(count)
        self.level = max(self.level, int(level or 0))

    def outcomes(self) -> Outcomes:
        return Outcomes(**self.counts)

    def line(self, key: str, label: str, detail: str) -> BreakdownLine:
        return BreakdownLine(key, label, detail, self.outcomes(), self.level)


def worst_first(lines: Iterable[BreakdownLine]) -> list[BreakdownLine]:
    """Most overdue first, then most obligations, then by key: a stable reading order."""
    return sorted(lines, key=lambda b: (-b.outcomes.overdue, -b.outcomes.total, b.key))


@dataclass(frozen=True)
class OverdueItem:
    obligation_id: int
    contract: str
    supplier: str
    category: str
    obligation: str
    due_on: date
    planned_on: date
    days_overdue: int
    escalation_level: int
    status: str


@dataclass(frozen=True)
class FindingItem:
    finding_id: int
    contract: str
    supplier: str
    severity: str
    raised_on: date
    text: str
    action_due_on: date | None  # of its corrective action, if one was set
    action_outcome: str | None  # one of OUTCOMES, judged like any obligation


@dataclass(frozen=True)
class CertificateItem:
    evidence_id: int
    contract: str
    supplier: str
    evidence_type: str
    valid_until: date
    days_left: int
    document: str | None  # the file name; never set for restricted evidence


@dataclass(frozen=True)
class UncertifiedModel:
    """A delivered, not retired product model with no valid certificate under one of its
    contract's per-model clauses (the scheme) on the report date."""

    contract: str
    scheme: str  # clause id, e.g. tco-certified-valid
    model_id: int
    manufacturer: str
    name: str
    # Latest accepted certificate's end date; None if none was ever accepted.
    expired_on: date | None


@dataclass(frozen=True)
class EvidenceCounts:
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0
    awaiting_review: int = 0  # at the report date, whenever submitted
    restricted_submitted: int = 0
    restricted_accepted: int = 0
    restricted_rejected: int = 0


@dataclass(frozen=True)
class ReportFigures:
    """Everything one report shows. Lists longer than their limit are cut, and the total
    says how many there were."""

    scope: Scope
    scope_title: str
    period: Period
    as_of: datetime
    as_of_date: date  # in `timezone`, the buyer's
    timezone: str
    generator: str
    outcomes: Outcomes
    max_escalation: int
    trend: tuple[TrendPoint, ...]
    evidence: EvidenceCounts
    certificates_expiring: int
    certificates_restricted: int
    certificates: tuple[CertificateItem, ...]
    findings_by_severity: tuple[tuple[str, int], ...]
    findings: tuple[FindingItem, ...]
    corrective_actions_overdue: int
    by_supplier: tuple[BreakdownLine, ...]
    by_category: tuple[BreakdownLine, ...]
    by_contract: tuple[BreakdownLine, ...]
    overdue: tuple[OverdueItem, ...]
    list_limit: int
    # The audit trail's last hash at `as_of`: `tracker audit verify --expect-head` with it
    # proves later that no event up to the report was removed or rewritten.
    audit_head: str = ""
    definitions: tuple[tuple[str, str], ...] = field(default=DEFINITIONS)
    models_uncertified: tuple[UncertifiedModel, ...] = ()

    def uncertified_by(self, key: str) -> tuple[tuple[str, int], ...]:
        """Models without a valid certificate counted per `contract` or per `scheme`."""
        counts: dict[str, int] = {}
        for item in self.models_uncertified:
            name = item.contract if key == "contract" else item.scheme
            counts[name] = counts.get(name, 0) + 1
        return tuple(sorted(counts.items()))

    @property
    def on_time_rate(self) -> float | None:
        return self.outcomes.on_time_rate

    @property
    def open_findings(self) -> int:
        return sum(n for _, n in self.findings_by_severity)

    @property
    def overdue_total(self) -> int:
        return self.outcomes.overdue


def severity_counts(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Every known severity in order (zero when none), then any other severity found."""
    known = tuple((s, int(counts.get(s, 0))) for s in SEVERITIES)
    extra = tuple((s, int(n)) for s, n in sorted(counts.items()) if s not in SEVERITIES)
    return known + extra
