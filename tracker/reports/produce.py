"""Produce a report: its figures, each format's bytes, and a file name for them."""

from __future__ import annotations

import re
from datetime import datetime

import tracker
from tracker.context import Context
from tracker.errors import BadInput
from tracker.reports.figures import Outcomes, ReportFigures
from tracker.reports.html import html_to_pdf, render_html
from tracker.reports.periods import Period
from tracker.reports.queries import LIST_LIMIT, compute, period_outcomes, snapshot
from tracker.reports.scope import Scope

# Bump the number after the slash whenever a figure's definition or a format's layout
# changes, so a stored report says which rules made it.
GENERATOR_VERSION = f"clause-tracker {tracker.__version__} / report 1"
FORMATS = ("html", "pdf", "csv", "xlsx")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


def compute_figures(
    ctx: Context,
    scope: Scope,
    period: Period,
    *,
    as_of: datetime,
    timezone: str | None = None,
    list_limit: int = LIST_LIMIT,
) -> ReportFigures:
    """Every figure of the report on `scope` for `period`, judged at the instant `as_of`.

    `timezone` is the buyer's (default TRACKER_TIMEZONE): the report date and review
    times are read in it. Raises NotFound (exit 2) for a supplier or contract that does
    not exist.
    """
    with snapshot(ctx.engine) as conn:
        return compute(
            conn,
            scope,
            period,
            as_of=as_of,
            timezone=timezone or ctx.settings.timezone,
            generator=GENERATOR_VERSION,
            list_limit=list_limit,
        )


def compute_outcomes(ctx: Context, scope: Scope, period: Period, *, as_of: datetime) -> Outcomes:
    """The report's headline outcomes alone (what `compute_figures(...).outcomes` gives),
    for pages that show an on-time rate. Raises NotFound like `compute_figures`."""
    with snapshot(ctx.engine) as conn:
        return period_outcomes(conn, scope, period, as_of=as_of)


def check_format(fmt: str, *, field: str = "format") -> str:
    value = fmt.strip().lower()
    if value not in FORMATS:
        raise BadInput(f"{fmt!r} is not one of {', '.join(FORMATS)}", field=field)
    return value


def render(figures: ReportFigures, fmt: str) -> bytes:
    """The report in one format. HTML, CSV and XLSX are byte-identical for the same
    figures; the PDF is made from the same HTML."""
    fmt = check_format(fmt)
    if fmt == "html":
        return render_html(figures).encode("utf-8")
    if fmt == "pdf":
        return html_to_pdf(render_html(figures))
    if fmt == "csv":
        from tracker.reports.spreadsheets import render_csv

        return render_csv(figures)
    # openpyxl is loaded only for the formats that need it, not at every command's start.
    from tracker.reports.spreadsheets import render_xlsx

    return render_xlsx(figures)


def had_anything_due(figures: ReportFigures) -> bool:
    """Whether any obligation in scope fell due in the period (whatever became of it)."""
    return figures.outcomes.total > 0


def filename(scope: Scope, period: Period, fmt: str) -> str:
    """e.g. `compliance-report_contract-RA-2027-017_2026-Q4.pdf`: ASCII letters, digits,
    '-' and '_', and one '.' before the extension."""
    scope_part = "-".join(_safe(part) for part in (scope.kind, scope.key or "") if _safe(part))
    period_part = "_".join(_safe(part) for part in period.label.split(".."))
    return f"compliance-report_{scope_part}_{period_part}"[:150] + "." + check_format(fmt)


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")
