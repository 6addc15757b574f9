"""The report as named tables of typed values: what the CSV and XLSX versions hold.

Cell types carry the meaning: `int` a count, `float` a rate (a fraction, 0.75 = 75 %),
`date` a local date, `datetime` an instant (aware), `str` text, `None` nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.reports.figures import OUTCOMES, BreakdownLine, Outcomes, ReportFigures

Cell = int | float | str | date | datetime | None


@dataclass(frozen=True)
class Table:
    """`columns[0]` identifies a row. `transpose`: better read as one "name | value" pair
    per line (single-row tables, in the XLSX)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Cell, ...]]
    transpose: bool = False


def _outcome_cells(o: Outcomes) -> tuple[Cell, ...]:
    return (*(getattr(o, name) for name in OUTCOMES), o.total, o.on_time_rate)


OUTCOME_COLUMNS = (*OUTCOMES, "total", "on_time_rate")


def _breakdown(lines: Sequence[BreakdownLine], detail: str | None) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for b in lines:
        head: tuple[Cell, ...] = (b.key, b.label, b.detail) if detail else (b.key, b.label)
        rows.append((*head, *_outcome_cells(b.outcomes), b.max_escalation))
    return rows


def tables(f: ReportFigures) -> list[Table]:
    ev = f.evidence
    severity = {f"open_findings_{name}": n for name, n in f.findings_by_severity}
    summary: dict[str, Cell] = {
        "period": f.period.label,
        "obligations": f.outcomes.total,
        **{name: getattr(f.outcomes, name) for name in OUTCOMES},
        "on_time_rate": f.on_time_rate,
        "max_escalation": f.max_escalation,
        "evidence_submitted": ev.submitted,
        "evidence_accepted": ev.accepted,
        "evidence_rejected": ev.rejected,
        "evidence_awaiting_review": ev.awaiting_review,
        "restricted_evidence_submitted": ev.restricted_submitted,
        "restricted_evidence_accepted": ev.restricted_accepted,
        "restricted_evidence_rejected": ev.restricted_rejected,
        "open_findings": f.open_findings,
        **severity,
        "corrective_actions_overdue": f.corrective_actions_overdue,
        "certificates_expiring": f.certificates_expiring,
        "certificates_expiring_restricted": f.certificates_restricted,
        "models_without_valid_certificate": len(f.models_uncertified),
    }
    report: dict[str, Cell] = {
        "scope": str(f.scope),
        "title": f.scope_title,
        "period": f.period.label,
        "period_kind": f.period.kind,
        "period_start": f.period.start,
        "period_end": f.period.end,
        "as_of": f.as_of,
        "as_of_date": f.as_of_date,
        "timezone": f.timezone,
        "generator": f.generator,
        "audit_head": f.audit_head,
        "list_limit": f.list_limit,
    }
    return [
        Table("report", "Report", tuple(report), [tuple(report.values())], transpose=True),
        Table("summary", "Summary", tuple(summary), [tuple(summary.values())], transpose=True),
        Table(
            "trend",
            "Trend",
            ("period", "start", "end", *OUTCOME_COLUMNS),
            [
                (p.period.label, p.period.start, p.period.end, *_outcome_cells(p.outcomes))
                for p in f.trend
            ],
        ),
        Table(
            "by_category",
            "By category",
            ("category", "label", *OUTCOME_COLUMNS, "max_escalation"),
            _breakdown(f.by_category, None),
        ),
        Table(
            "by_supplier",
            "By supplier",
            ("supplier_id", "supplier", "country", *OUTCOME_COLUMNS, "max_escalation"),
            _breakdown(f.by_supplier, "country"),
        ),
        Table(
            "by_contract",
            "By contract",
            ("contract", "title", "supplier", *OUTCOME_COLUMNS, "max_escalation"),
            _breakdown(f.by_contract, "supplier"),
        ),
        Table(
            "overdue",
            "Overdue",
            (
                "obligation_id",
                "contract",
                "supplier",
                "obligation",
                "category",
                "due_on",
                "planned_on",
                "days_overdue",
                "escalation_level",
                "status",
            ),
            [
                (
                    i.obligation_id,
                    i.contract,
                    i.supplier,
                    i.obligation,
                    i.category,
                    i.due_on,
                    i.planned_on,
                    i.days_overdue,
                    i.escalation_level,
                    i.status,
                )
                for i in f.overdue
            ],
        ),
        Table(
            "open_findings",
            "Open findings",
            (
                "finding_id",
                "severity",
                "contract",
                "supplier",
                "raised_on",
                "finding",
                "corrective_action_due_on",
                "corrective_action_outcome",
            ),
            [
                (
                    i.finding_id,
                    i.severity,
                    i.contract,
                    i.supplier,
                    i.raised_on,
                    i.text,
                    i.action_due_on,
                    i.action_outcome,
                )
                for i in f.findings
            ],
        ),
        Table(
            "certificates_expiring",
            "Certificates expiring",
            (
                "evidence_id",
                "contract",
                "supplier",
                "evidence_type",
                "document",
                "valid_until",
                "days_left",
            ),
            [
                (
                    i.evidence_id,
                    i.contract,
                    i.supplier,
                    i.evidence_type,
                    i.document,
                    i.valid_until,
                    i.days_left,
                )
                for i in f.certificates
            ],
        ),
        Table(
            "models_without_valid_certificate",
            "Models, no valid certificate",  # an XLSX sheet name: 31 characters at most
            ("contract", "scheme", "model_id", "manufacturer", "model", "expired_on"),
            [
                (i.contract, i.scheme, i.model_id, i.manufacturer, i.name, i.expired_on)
                for i in f.models_uncertified
            ],
        ),
        Table("definitions", "Definitions", ("term", "definition"), list(f.definitions)),
    ]


def cell_text(value: Any) -> str:
    """A cell as text for CSV: rates as fractions with 4 decimals, ISO dates and times."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
