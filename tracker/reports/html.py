"""The report as one self-contained, printable HTML page, and as PDF from that same page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from markupsafe import Markup

from tracker.domain.localtime import zone
from tracker.rendering import render
from tracker.reports.figures import (
    CERTIFICATE_WINDOW_DAYS,
    OUTCOME_LABELS,
    OUTCOME_SHORT,
    OUTCOMES,
    ReportFigures,
    category_label,
    percent,
)

TEMPLATE = "reports/report.html"
BREAKDOWN_ROWS = 25  # suppliers and contracts shown in HTML/PDF; CSV/XLSX hold every one
LIST_ROWS = 100  # overdue obligations, findings and certificates shown in HTML/PDF


def _number(value: int) -> str:
    return f"{value:,}"


def _rate_class(rate: float | None) -> str:
    if rate is None:
        return ""
    return "good" if rate >= 0.9 else ("warn" if rate >= 0.7 else "bad")


def render_html(f: ReportFigures) -> str:
    from tracker.reports import charts  # matplotlib: loaded by reports, not every command

    # The charts are SVG that matplotlib wrote and escaped itself (labels included).
    drawn = {
        "trend": Markup(charts.on_time_trend(f.trend)),  # noqa: S704
        "suppliers": Markup(charts.overdue_by_supplier(f.by_supplier)),  # noqa: S704
        "categories": Markup(charts.status_by_category(f.by_category)),  # noqa: S704
    }
    context: dict[str, Any] = {
        "f": f,
        "o": f.outcomes,
        "ev": f.evidence,
        "charts": drawn,
        "outcomes": OUTCOMES,
        "labels": OUTCOME_SHORT,
        "outcome_label": OUTCOME_LABELS,
        "pct": percent,
        "num": _number,
        "category": category_label,
        "rate_class": _rate_class(f.on_time_rate),
        "scope_key": str(f.scope),
        "as_of_iso": f.as_of.isoformat(),
        "as_of_local": f.as_of.astimezone(zone(f.timezone)).strftime("%Y-%m-%d %H:%M"),
        "window": CERTIFICATE_WINDOW_DAYS,
        "window_end": (f.as_of_date + timedelta(days=CERTIFICATE_WINDOW_DAYS)).isoformat(),
        "breakdown_rows": BREAKDOWN_ROWS,
        "list_rows": LIST_ROWS,
    }
    return render(TEMPLATE, **context)


def html_to_pdf(html: str) -> bytes:
    """The same page through WeasyPrint (print CSS: A4, page numbers, page breaks)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only PDFs need

    pdf = HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
