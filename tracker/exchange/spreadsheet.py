"""Register many contracts at once from a spreadsheet (XLSX, or CSV as Excel saves it).

One row a contract, with its supplier (found by identifier, then exact name, or created)
and the clauses to attach. Every cell of every row is checked first and every problem is
listed with its sheet, row and column; when there is any, nothing is written. A row whose
reference is already registered updates that contract where its cells differ (title,
dates, value, manager) through the contract-editing use case, so moved dates re-plan the
open obligations ahead; blank cells change nothing, and importing the same sheet twice
changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlmodel import col

from tracker import validate
from tracker.context import Context
from tracker.contracts import (
    NewContract,
    NewSupplier,
    add_contracts,
    add_suppliers,
    attach_clause,
    edit_contract,
)
from tracker.db import read_session
from tracker.domain.schedule import ContractDates, ScheduleError, contract_occurrences
from tracker.errors import BadInput
from tracker.exchange.matching import KnownSuppliers
from tracker.library.parameters import resolve_values
from tracker.models import Contract, ContractStatus

SHEET = "contracts"
# Rows whose new suppliers and contracts are registered together (see `add_contracts`).
BATCH = 500


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool
    help: str


COLUMNS = (
    Column("reference", True, "the buyer's contract reference, unique"),
    Column("title", True, "what was bought"),
    Column("supplier_name", True, "the supplier's registered name"),
    Column(
        "supplier_email",
        False,
        "compliance contact who receives reminders (needed for a new supplier)",
    ),
    Column("supplier_identifier", False, "scheme and number, e.g. SE-BLV-5560000001"),
    Column("supplier_country", False, "ISO 3166 two-letter code, e.g. SE"),
    Column("buyer", False, "the contracting authority"),
    Column("start_on", True, "start date, YYYY-MM-DD"),
    Column("end_on", True, "end date, YYYY-MM-DD"),
    Column("signed_on", False, "signature date, YYYY-MM-DD"),
    Column("value", False, "contract value, e.g. 125000.00"),
    Column("currency", False, "ISO 4217 code, e.g. EUR (needed with a value)"),
    Column("cpv_codes", False, "CPV codes separated by spaces, e.g. 30213100 30231000"),
    Column("manager_email", False, "the contract manager"),
    Column("timezone", False, "IANA timezone of the deadlines (default: TRACKER_TIMEZONE)"),
    Column("country", False, "country whose public holidays count (default: TRACKER_COUNTRY)"),
    Column("status", False, "pending, active (default), cancelled or terminated"),
    Column("clauses", False, "clause ids to attach, separated by spaces"),
)
NAMES = tuple(c.name for c in COLUMNS)
TEXT_COLUMNS = ("reference", "cpv_codes", "supplier_identifier")


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet} row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class BadSpreadsheet(BadInput):
    """Rows that cannot be imported; `problems` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problems in the file; nothing was imported")
        self.problems = sorted(problems, key=lambda p: p.row)  # in the order of the sheet


@dataclass(frozen=True, slots=True)
class RowOutcome:
    row: int
    reference: str
    # created | would create | updated | would update | exists | refused (the use case
    # refused a checked row: another writer registered its reference meanwhile)
    action: str
    supplier: str
    supplier_action: str
    attached: list[str]
    # "<field>: <old> -> <new>" for a registered contract the row changes, and each
    # obligation a change of dates moved.
    changes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SpreadsheetImport:
    dry_run: bool
    rows: list[RowOutcome]


@dataclass
class _Row:
    number: int
    reference: str
    title: str
    supplier_name: str
    supplier_email: str | None
    supplier_identifier: str | None
    supplier_country: str | None
    buyer: str | None
    start_on: date
    end_on: date
    signed_on: date | None
    value: Decimal | None
    currency: str | None
    cpv_codes: list[str]
    manager_email: str | None
    timezone: str | None
    country: str | None
    status: str
    clauses: list[str] = field(default_factory=list)


def contracts_template() -> bytes:
    """An empty workbook with the columns, text-formatted where Excel would mangle codes,
    and a sheet that explains each column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(NAMES))
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
        if column.name in TEXT_COLUMNS:
            # Typed as text, a CPV code keeps its leading zero and a reference stays a string.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("help")
    notes.append(["column", "required", "what to write"])
    for column in COLUMNS:
        notes.append([column.name, "yes" if column.required else "", column.help])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(name: str, content: bytes) -> tuple[str, list[dict[str, Any]]]:
    """The sheet's name (a CSV file's own name) and its rows as {column: cell}."""
    if content[:4] == b"PK\x03\x04":
        return _xlsx_rows(content)
    return Path(name).name, list(_csv_rows(content))


def _xlsx_rows(content: bytes) -> tuple[str, list[dict[str, Any]]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadInput(f"the file is not a readable XLSX workbook ({exc})", field="file") from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    found = [dict(zip(header, values, strict=False)) for values in rows]
    book.close()
    return sheet.title, found


def _csv_rows(content: bytes) -> Iterator[dict[str, Any]]:
    text = _decode(content)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    for values in reader:
        yield dict(zip(header, values, strict=False))


def _decode(content: bytes) -> str:
    """Text as Excel saves it: UTF-8 with a byte order mark ("CSV UTF-8"), UTF-16 ("Unicode
    text"), or the Windows code page of Western Europe ("CSV")."""
    if content.startswith(codecs.BOM_UTF8):
        return content[3:].decode("utf-8")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def import_contracts(
    ctx: Context, *, name: str, content: bytes, dry_run: bool = False
) -> SpreadsheetImport:
    """Check every row, then (unless `dry_run`) register each new contract."""
    sheet, raw = read_rows(name, content)
    problems: list[Problem] = []
    header = set(raw[0]) if raw else set()
    missing = [c.name for c in COLUMNS if c.required and c.name not in header]
    if raw and missing:
        raise BadSpreadsheet(
            [Problem(sheet, 1, m, "this column is missing from the header") for m in missing]
        )
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for offset, cells in enumerate(raw, start=2):
        if all(_blank(v) for v in cells.values()):
            continue
        row = _check_row(ctx, sheet, offset, cells, problems)
        if row.reference in seen:
            problems.append(
                Problem(sheet, offset, "reference", f"repeats row {seen[row.reference]}")
            )
        seen.setdefault(row.reference, offset)
        rows.append(row)
    with read_session(ctx.engine) as session:
        existing = {
            c.reference: c
            for c in session.scalars(
                select(Contract).where(col(Contract.reference).in_([r.reference for r in rows]))
            )
        }
    suppliers = KnownSuppliers(ctx)
    # Suppliers that an earlier row of the file registers count as known to later rows.
    planned = KnownSuppliers.empty()
    for row in rows:
        known, _ = suppliers.match(row.supplier_identifier, row.supplier_name)
        if known is None:
            known, _ = planned.match(row.supplier_identifier, row.supplier_name)
        if known is None and row.supplier_email is not None:
            identifiers = [row.supplier_identifier] if row.supplier_identifier else []
            planned.remember(row.number, row.supplier_name, identifiers)
        elif row.reference not in existing and known is None and row.supplier_name:
            problems.append(
                Problem(
                    sheet,
                    row.number,
                    "supplier_email",
                    f"{row.supplier_name!r} is not registered: give its compliance contact",
                )
            )
        registered = existing.get(row.reference)
        if registered is not None and registered.ended_on is not None:
            # Checked here, not left to the editor, so no row is written when one is wrong.
            moved = [f for f in ("start_on", "end_on", "signed_on") if f in _edits(registered, row)]
            if moved:
                problems.append(
                    Problem(
                        sheet,
                        row.number,
                        moved[0],
                        f"{row.reference} was {registered.status} on {registered.ended_on}; "
                        "its dates no longer change",
                    )
                )
    if problems:
        raise BadSpreadsheet(problems)
    outcomes: list[RowOutcome] = []
    for start in range(0, len(rows), BATCH):
        outcomes += _apply_batch(
            ctx, rows[start : start + BATCH], existing, suppliers, dry_run=dry_run
        )
    return SpreadsheetImport(dry_run=dry_run, rows=outcomes)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_row(
    ctx: Context, sheet: str, number: int, cells: dict[str, Any], problems: list[Problem]
) -> _Row:
    """The row's values, each problem added to `problems` (the row is then not written)."""

    def problem(column: str, message: str) -> None:
        problems.append(Problem(sheet, number, column, message))

    def text(column: str, max_length: int) -> str | None:
        value = cells.get(column)
        if _blank(value):
            if any(c.name == column and c.required for c in COLUMNS):
                problem(column, "is empty")
            return None
        shown = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        try:
            return validate.text(shown, field=column, max_length=max_length)
        except BadInput as exc:
            problem(column, exc.message)
            return None

    def checked(column: str, check: Any) -> Any:
        value = text(column, 320)
        if value is None:
            return None
        try:
            return check(value, field=column)
        except BadInput as exc:
            problem(column, exc.message)
            return None

    def day(column: str) -> date | None:
        value = cells.get(column)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        shown = text(column, 40)
        if shown is None:
            return None
        try:
            return date.fromisoformat(shown.strip())
        except ValueError:
            problem(column, f"{shown!r} is not a date; write YYYY-MM-DD")
            return None

    reference = text("reference", 100)
    title = text("title", 500)
    supplier_name = text("supplier_name", 300)
    start_on, end_on, signed_on = day("start_on"), day("end_on"), day("signed_on")
    if start_on and end_on and end_on < start_on:
        problem("end_on", f"{end_on} is before the start date {start_on}")
    if signed_on and end_on and signed_on > end_on:
        problem("signed_on", f"{signed_on} is after the end date {end_on}")
    value = None
    raw_value = text("value", 40)
    if raw_value is not None:
        try:
            value = Decimal(raw_value.replace(",", "").replace(" ", ""))
        except InvalidOperation:
            problem("value", f"{raw_value!r} is not an amount, e.g. 125000.00")
        else:
            if not value.is_finite() or value < 0:
                problem("value", f"{raw_value!r} is not an amount, e.g. 125000.00")
    currency = checked("currency", validate.currency)
    if value is not None and currency is None and _blank(cells.get("currency")) is not False:
        problem("currency", "a value needs its currency (e.g. EUR)")
    cpv_codes = []
    for code in (text("cpv_codes", 2000) or "").replace(",", " ").split():
        try:
            cpv_codes.append(validate.cpv(code, field="cpv_codes"))
        except BadInput as exc:
            problem("cpv_codes", exc.message)
    status = (text("status", 20) or ContractStatus.ACTIVE.value).strip().lower()
    if status not in {s.value for s in ContractStatus}:
        allowed = ", ".join(s.value for s in ContractStatus)
        problem("status", f"{status!r} is not one of {allowed}")
    timezone = checked("timezone", validate.timezone)
    country = checked("country", validate.country)
    clauses = (text("clauses", 2000) or "").replace(",", " ").split()
    for clause_id in clauses:
        if clause_id not in ctx.library.clauses:
            problem("clauses", f"no clause {clause_id!r} in the library")
        elif start_on and end_on:
            dates = ContractDates(
                start_on=start_on,
                end_on=end_on,
                signed_on=signed_on,
                country=country or ctx.settings.country,
                timezone=timezone or ctx.settings.timezone,
            )
            reason = _cannot_attach(ctx, clause_id, dates)
            if reason:
                problem("clauses", f"{clause_id} cannot be attached with its defaults: {reason}")
    row = _Row(
        number=number,
        reference=reference or "",
        title=title or "",
        supplier_name=supplier_name or "",
        supplier_email=checked("supplier_email", validate.email),
        supplier_identifier=text("supplier_identifier", 100),
        supplier_country=checked("supplier_country", validate.country),
        buyer=text("buyer", 300),
        start_on=start_on or date.min,
        end_on=end_on or date.min,
        signed_on=signed_on,
        value=value,
        currency=currency,
        cpv_codes=cpv_codes,
        manager_email=checked("manager_email", validate.email),
        timezone=timezone,
        country=country,
        status=status,
        clauses=clauses,
    )
    return row


def _cannot_attach(ctx: Context, clause_id: str, dates: ContractDates) -> str | None:
    """Why attaching the clause would be refused, asked before anything is written (the
    same checks `attach_clause` makes, on the row's dates)."""
    clause = ctx.library.get(clause_id)
    try:
        values = resolve_values(clause, {})
        for template in clause.obligations:
            next(contract_occurrences(template, clause=clause, values=values, contract=dates), None)
    except BadInput as exc:
        return exc.message
    except ScheduleError as exc:
        return str(exc)
    return None


def _apply_batch(
    ctx: Context,
    rows: Sequence[_Row],
    existing: dict[str, Contract],
    suppliers: KnownSuppliers,
    *,
    dry_run: bool,
) -> list[RowOutcome]:
    """Each row's outcome, in order. The batch's new suppliers, then its new contracts,
    are registered together (`add_suppliers`, `add_contracts`); each row's clauses are
    then attached."""
    new_suppliers: list[_Row] = []
    decided = [
        _apply(ctx, row, existing, suppliers, new_suppliers, dry_run=dry_run) for row in rows
    ]
    settled = suppliers.settle_added(
        add_suppliers(ctx, [_new_supplier(row) for row in new_suppliers]) if new_suppliers else [],
        [(row.supplier_name, _identifiers(row)) for row in new_suppliers],
    )
    creates = []
    for d in decided:
        if isinstance(d, _Create):
            supplier_id = settled.get(d.supplier_id, d.supplier_id)
            if isinstance(supplier_id, int):
                creates.append(_new_contract(d.row, supplier_id=supplier_id))
    registered = iter(add_contracts(ctx, creates))
    outcomes = []
    for d in decided:
        if isinstance(d, RowOutcome):
            outcomes.append(d)
            continue
        refused = settled.get(d.supplier_id)
        result = refused if isinstance(refused, BadInput) else next(registered)
        row = d.row
        if isinstance(result, BadInput):  # only when another writer got there first
            outcomes.append(
                RowOutcome(
                    row.number,
                    row.reference,
                    "refused",
                    row.supplier_name,
                    d.how,
                    [],
                    [str(result)],
                )
            )
            continue
        for clause_id in row.clauses:
            attach_clause(ctx, row.reference, clause_id)
        outcomes.append(
            RowOutcome(row.number, row.reference, "created", row.supplier_name, d.how, row.clauses)
        )
    return outcomes


@dataclass(frozen=True, slots=True)
class _Create:
    row: _Row
    supplier_id: int  # negative: a placeholder for a supplier the batch registers
    how: str


def _identifiers(row: _Row) -> list[str]:
    return [row.supplier_identifier] if row.supplier_identifier else []


def _apply(
    ctx: Context,
    row: _Row,
    existing: dict[str, Contract],
    suppliers: KnownSuppliers,
    new_suppliers: list[_Row],
    *,
    dry_run: bool,
) -> RowOutcome | _Create:
    supplier_id, how = suppliers.match(row.supplier_identifier, row.supplier_name)
    registered = existing.get(row.reference)
    if registered is not None:
        edits = _edits(registered, row)
        if not edits:
            return RowOutcome(row.number, row.reference, "exists", row.supplier_name, how, [])
        changes = [f"{name}: {old} -> {new}" for name, (old, new) in edits.items()]
        if dry_run:
            return RowOutcome(
                row.number, row.reference, "would update", row.supplier_name, how, [], changes
            )
        edited = edit_contract(ctx, row.reference, **{k: new for k, (_, new) in edits.items()})
        moved = [
            f"moved {r.obligation_id} {r.obligation}: {r.old_due_on or 'new'} -> "
            f"{r.new_due_on or 'superseded'}"
            for r in edited.rescheduled
        ]
        return RowOutcome(
            row.number, row.reference, "updated", row.supplier_name, how, [], changes + moved
        )
    if dry_run:
        return RowOutcome(
            row.number,
            row.reference,
            "would create",
            row.supplier_name,
            how or "would create",
            row.clauses,
        )
    if supplier_id is None:
        supplier_id = -len(new_suppliers) - 1
        new_suppliers.append(row)
        suppliers.remember(supplier_id, row.supplier_name, _identifiers(row))
        how = "created"
    return _Create(row, supplier_id, how)


def _edits(contract: Contract, row: _Row) -> dict[str, tuple[Any, Any]]:
    """What the row changes on a registered contract, by `edit_contract`'s keyword: only
    filled-in cells count (a blank cell keeps what the tracker has)."""
    pairs: list[tuple[str, Any, Any]] = [
        ("title", contract.title, row.title),
        ("start_on", contract.start_on, row.start_on),
        ("end_on", contract.end_on, row.end_on),
        ("signed_on", contract.signed_on, row.signed_on),
        ("value", contract.value_amount, row.value),
        ("currency", contract.currency, row.currency and row.currency.upper()),
        ("manager_email", contract.manager_email, row.manager_email),
    ]
    found: dict[str, tuple[Any, Any]] = {}
    for name, old, new in pairs:
        if new in (None, ""):
            continue
        same = (
            old.compare(new) == 0
            if isinstance(old, Decimal) and isinstance(new, Decimal)
            else (
                old.casefold() == new.casefold() if name == "manager_email" and old else old == new
            )
        )
        if not same:
            found[name] = (old, new)
    return found


# --- Calls into the contracts package.


def _new_supplier(row: _Row) -> NewSupplier:
    assert row.supplier_email is not None
    return NewSupplier(
        name=row.supplier_name,
        email=row.supplier_email,
        country=row.supplier_country,
        identifiers=_identifiers(row),
    )


def _new_contract(row: _Row, *, supplier_id: int) -> NewContract:
    return NewContract(
        reference=row.reference,
        supplier_id=supplier_id,
        title=row.title,
        start_on=row.start_on,
        end_on=row.end_on,
        signed_on=row.signed_on,
        manager_email=row.manager_email,
        timezone=row.timezone,
        country=row.country,
        buyer=row.buyer,
        value=row.value,
        currency=row.currency,
        cpv_codes=row.cpv_codes,
        status=row.status,
    )
