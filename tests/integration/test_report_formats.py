"""The four formats of one report: each opens in the tool a reader would use, holds the
figures, keeps restricted evidence out, and is reproducible."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from tests import report_portfolio as world
from tracker.models import Contract, Supplier, table_of
from tracker.reports.figures import OUTCOMES, Outcomes, ReportFigures
from tracker.reports.produce import FORMATS, compute_figures, render
from tracker.reports.scope import parse_scope

SHEETS = [
    "Report",
    "Summary",
    "Trend",
    "By category",
    "By supplier",
    "By contract",
    "Overdue",
    "Open findings",
    "Certificates expiring",
    "Models, no valid certificate",
    "Definitions",
]
EVIL_TITLE = '=HYPERLINK("http://evil.example/","click")'
EVIL_SUPPLIER = "<script>alert('x')</script> Ltd"


def figures_for(url: str) -> ReportFigures:
    ctx = world.build(url)
    return compute_figures(ctx, parse_scope("portfolio"), world.PERIOD, as_of=world.AS_OF)


@pytest.fixture
def figures(database_url: str) -> ReportFigures:
    return figures_for(database_url)


class Page(HTMLParser):
    """Every start tag with its attributes, the text, and the stack kept balanced."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.ids: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        self.inside.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def of(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def parse_html(data: bytes) -> Page:
    page = Page()
    page.feed(data.decode("utf-8"))
    page.close()
    return page


def test_html_is_self_contained_with_three_charts_and_the_definitions(
    figures: ReportFigures,
) -> None:
    data = render(figures, "html")
    assert data.startswith(b"<!DOCTYPE html>")
    page = parse_html(data)
    text = " ".join(" ".join(page.text).split())
    # Three inline SVG charts, each in its figure.
    assert len(page.of("svg")) == 3
    for chart in ("chart-trend", "chart-suppliers", "chart-categories"):
        assert chart in page.ids
    # Nothing fetched from elsewhere: no scripts, no external stylesheets or images.
    assert page.of("script") == []
    assert page.of("link") == []
    assert page.of("img") == []
    assert b"http://" not in data.replace(b"http://www.w3.org/", b"")
    assert len(page.ids) == len(set(page.ids)), "ids must be unique across the charts"
    # Key figures and the definitions a reader needs.
    assert "33.3 %" in text  # 2 / (2 + 1 + 3)
    assert "2 ÷ 6" in text
    for term in ("Met on time", "Met late", "Overdue", "On-time rate", "Certificates expiring"):
        assert f"{term}" in text
    assert "the deadline in force" in text
    assert "@media print" in data.decode()
    # The lists.
    assert "Obligation o14" in text
    assert "Finding f2" in text
    assert "Ümlaut Électronique SA" in text


def test_html_escapes_names_in_tables_and_charts(database_url: str) -> None:
    ctx = world.build(database_url)
    with ctx.engine.begin() as conn:
        conn.execute(
            sa.update(table_of(Supplier))
            .where(table_of(Supplier).c.id == 2)
            .values(name=EVIL_SUPPLIER)
        )
    f = compute_figures(ctx, parse_scope("portfolio"), world.PERIOD, as_of=world.AS_OF)
    data = render(f, "html").decode()
    assert "<script>" not in data
    assert "&lt;script&gt;" in data
    assert len(parse_html(data.encode()).of("svg")) == 3


def test_pdf_has_pages_and_its_text_holds_the_key_figures(figures: ReportFigures) -> None:
    data = render(figures, "pdf")
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "Portfolio",
        "2026-Q4",
        "33.3 %",
        "on-time rate",
        "Met on time",
        "RA-3",
        "Obligation o14",
        "Nordic Devices AB",
        "page 1 of",
    ):
        assert expected in text, expected
    for secret in world.SECRET_FILES:
        assert secret not in text


def read_csv(data: bytes) -> dict[tuple[str, str, str], str]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for Excel"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["table", "row", "measure", "value"]
    values: dict[tuple[str, str, str], str] = {}
    for table, row, measure, value in rows[1:]:
        assert (table, row, measure) not in values
        values[table, row, measure] = value
    return values


def test_csv_round_trips_the_figures(figures: ReportFigures) -> None:
    values = read_csv(render(figures, "csv"))
    summary = {m: v for (t, r, m), v in values.items() if t == "summary" and r == "2026-Q4"}
    read = Outcomes.from_counts({name: int(summary[name]) for name in OUTCOMES})
    assert read == figures.outcomes
    assert float(summary["on_time_rate"]) == pytest.approx(1 / 3, abs=1e-4)
    assert int(summary["obligations"]) == 12
    assert int(summary["max_escalation"]) == 3
    assert int(summary["open_findings_priority"]) == 1
    assert int(summary["certificates_expiring_restricted"]) == 1
    assert int(summary["restricted_evidence_submitted"]) == 2

    by_supplier: dict[str, dict[str, str]] = defaultdict(dict)
    for (t, r, m), v in values.items():
        if t == "by_supplier":
            by_supplier[r][m] = v
    assert by_supplier["2"]["supplier"] == "Ümlaut Électronique SA"
    for line in figures.by_supplier:
        got = Outcomes.from_counts({n: int(by_supplier[line.key][n]) for n in OUTCOMES})
        assert got == line.outcomes

    trend = {r: v for (t, r, m), v in values.items() if t == "trend" and m == "on_time_rate"}
    assert trend == {
        "2025-Q4": "",
        "2026-Q1": "",
        "2026-Q2": "",
        "2026-Q3": "0.5000",
        "2026-Q4": "0.3333",
    }
    overdue = {r for (t, r, m) in values if t == "overdue"}
    assert overdue == {"3", "4", "14"}
    assert values["overdue", "14", "due_on"] == "2026-11-01"
    assert values["overdue", "14", "days_overdue"] == "19"
    assert values["report", "portfolio", "as_of"] == "2026-11-20T03:00:00+00:00"
    assert ("definitions", "On-time rate", "definition") in values


def test_csv_and_xlsx_never_run_text_as_a_formula(database_url: str) -> None:
    ctx = world.build(database_url)
    with ctx.engine.begin() as conn:
        conn.execute(
            sa.update(table_of(Contract))
            .where(table_of(Contract).c.id == 1)
            .values(title=EVIL_TITLE)
        )
        conn.execute(
            sa.update(table_of(Contract)).where(table_of(Contract).c.id == 2).values(title="#N/A")
        )
    f = compute_figures(ctx, parse_scope("portfolio"), world.PERIOD, as_of=world.AS_OF)
    values = read_csv(render(f, "csv"))
    assert values["by_contract", "RA-1", "title"] == "'" + EVIL_TITLE
    book = load_workbook(io.BytesIO(render(f, "xlsx")))
    sheet = book["By contract"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == EVIL_TITLE]
    assert len(cells) == 1
    assert cells[0].data_type == "s"  # text, not a formula
    [error_like] = [c for row in sheet.iter_rows() for c in row if c.value == "#N/A"]
    assert error_like.data_type == "s"  # text, not an error value


def test_xlsx_has_one_typed_sheet_per_table_with_frozen_headers(figures: ReportFigures) -> None:
    data = render(figures, "xlsx")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(c.font.b for c in sheet[1]), sheet.title
        assert sheet.column_dimensions["A"].width > 5

    trend = book["Trend"]
    header = [c.value for c in trend[1]]
    assert header[:3] == ["period", "start", "end"]
    q4 = next(row for row in trend.iter_rows(min_row=2) if row[0].value == "2026-Q4")
    cells = dict(zip(header, q4, strict=True))
    assert cells["start"].value == datetime(2026, 10, 1)  # a date cell, read back as datetime
    assert cells["start"].is_date
    assert cells["start"].number_format == "yyyy-mm-dd"
    assert cells["on_time"].value == 2
    assert cells["on_time"].data_type == "n"
    assert cells["on_time_rate"].value == pytest.approx(1 / 3)
    assert cells["on_time_rate"].number_format == "0.0%"

    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["overdue"].value == 3
    assert summary["on_time_rate"].number_format == "0.0%"
    report = {row[0].value: row[1] for row in book["Report"].iter_rows(min_row=2)}
    assert report["as_of"].value == datetime(2026, 11, 20, 3, 0)  # UTC
    assert report["period_start"].value == datetime(2026, 10, 1)

    overdue = book["Overdue"]
    assert [r[0].value for r in overdue.iter_rows(min_row=2)] == [14, 4, 3]
    assert book.properties.created == datetime(2026, 11, 20, 3, 0)
    assert book.properties.modified == datetime(2026, 11, 20, 3, 0)
    assert figures.as_of_date == date(2026, 11, 20)


def _every_text(data: bytes, fmt: str) -> str:
    if fmt == "pdf":
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    return data.decode("utf-8-sig")


def test_restricted_evidence_is_counted_but_never_named(figures: ReportFigures) -> None:
    assert figures.evidence.restricted_submitted == 2
    assert figures.certificates_restricted == 1
    for fmt in FORMATS:
        text = _every_text(render(figures, fmt), fmt)
        for secret in world.SECRET_FILES:
            assert secret not in text, (fmt, secret)
        assert "fields of e" not in text, fmt  # no evidence fields either
        if fmt != "pdf":  # the PDF shows what the HTML shows
            assert world.PUBLIC_CERTIFICATE in text, fmt


def test_same_data_and_as_of_give_identical_bytes(database_url: str) -> None:
    first = figures_for(database_url)
    ctx = world.context(database_url)
    again = compute_figures(ctx, parse_scope("portfolio"), world.PERIOD, as_of=world.AS_OF)
    assert again == first
    for fmt in ("html", "csv", "xlsx"):
        assert render(first, fmt) == render(again, fmt), fmt
