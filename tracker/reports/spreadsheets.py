"""The report's tables as CSV (long format) and as an XLSX workbook (one sheet per table).

CSV: one line per value, `table,row,measure,value`, where `row` is the first column of the
row in its table (a period, supplier id, contract reference, obligation id ...). One shape
for every table, so a spreadsheet filter or pivot rebuilds any of them, and a program
reads it back without knowing the tables. UTF-8 with a byte order mark: without it Excel
reads the file in the legacy code page and garbles "Malmö" and "Škoda". Text that starts
with = + - @ (or a tab or carriage return) gets a leading ' so no spreadsheet runs it as a
formula (CSV injection); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from tracker.csvsafe import csv_safe
from tracker.domain.localtime import zone
from tracker.reports.figures import ReportFigures
from tracker.reports.tables import Cell, Table, cell_text, tables

CSV_COLUMNS = ("table", "row", "measure", "value")
SAMPLE_ROWS = 200  # column widths are fitted to the header and this many rows
MAX_WIDTH = 60


def _csv_text(value: Cell) -> str:
    text = cell_text(value)
    return csv_safe(text) if isinstance(value, str) else text


def csv_lines(f: ReportFigures) -> Iterator[tuple[str, str, str, str]]:
    for table in tables(f):
        for row in table.rows:
            key = _csv_text(row[0])
            for column, value in zip(table.columns[1:], row[1:], strict=True):
                yield table.name, key, column, _csv_text(value)


def render_csv(f: ReportFigures) -> bytes:
    buffer = io.BytesIO()
    # Encoded as it is written: the text of a 50,000-contract report is never held twice.
    with io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="", write_through=True) as text:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(csv_lines(f))
        text.flush()
        return buffer.getvalue()


# XLSX ----------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8ECF0")
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss "UTC"'
RATE_FORMAT = "0.0%"


def _xlsx_value(value: Cell) -> Cell:
    if isinstance(value, datetime):
        # Excel has no timezones: instants are written in UTC and say so.
        return value.astimezone(zone("UTC")).replace(tzinfo=None)
    if isinstance(value, str):
        return str(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _cell(sheet: object, value: Cell) -> object:
    """A plain value where openpyxl's own typing is right (most cells: fast), a styled
    cell for dates, instants, rates and text that would otherwise become a formula or an
    error value."""
    if isinstance(value, int) or (
        isinstance(value, str) and not value.startswith("=") and value not in ERROR_CODES
    ):
        return _xlsx_value(value)
    cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
    if isinstance(value, str):
        # Text stays text, even "=HYPERLINK(...)" or "#N/A": never a formula or an error.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = TIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, float):
        cell.number_format = RATE_FORMAT
    return cell


def _header(sheet: object, names: tuple[str, ...]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top")
        cells.append(cell)
    return cells


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 23
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return 7
    return len(str(value))


def _sheet(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet(table.title)
    if table.transpose:
        header: tuple[str, ...] = ("name", "value")
        rows: list[tuple[Cell, ...]] = [
            (name, value)
            for row in table.rows
            for name, value in zip(table.columns, row, strict=True)
        ]
    else:
        header, rows = table.columns, list(table.rows)
    widths = [len(name) for name in header]
    for row in rows[:SAMPLE_ROWS]:
        widths = [max(w, _width(v)) for w, v in zip(widths, row, strict=True)]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    sheet.append(_header(sheet, header))
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])


def _fixed_times(data: bytes, when: datetime) -> bytes:
    """The same archive with every member dated `when`: zip entries otherwise carry the
    time of writing, so two runs would differ."""
    stamp = when.astimezone(zone("UTC")).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def render_xlsx(f: ReportFigures) -> bytes:
    # Write-only mode streams rows to temporary files: a 50,000-contract breakdown does not
    # build a cell object per value in memory.
    book = Workbook(write_only=True)
    created = f.as_of.astimezone(zone("UTC")).replace(tzinfo=None)
    book.properties.created = created
    book.properties.modified = created
    book.properties.creator = f.generator
    book.properties.lastModifiedBy = f.generator
    book.properties.title = f"Compliance report: {f.scope_title}, {f.period.label}"
    for table in tables(f):
        _sheet(book, table)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        # ExcelWriter, not Workbook.save: save() stamps "modified" with the clock.
        ExcelWriter(book, archive).save()
    return _fixed_times(buffer.getvalue(), f.as_of)
