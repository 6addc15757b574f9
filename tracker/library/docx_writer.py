"""A clause document as DOCX, through python-docx, for pasting into a contract annex."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt

from tracker.library.document import ClauseDocument


def _table(document: DocxDocument, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def to_docx(doc: ClauseDocument) -> bytes:
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = doc.title
    document.core_properties.subject = f"Clause {doc.id} version {doc.version}"
    document.add_heading(doc.title, level=1)
    document.add_paragraph().add_run(
        f"Clause {doc.id}, version {doc.version} ({doc.category})"
    ).italic = True
    if doc.summary:
        document.add_paragraph(doc.summary)
    document.add_heading("Clause", level=2)
    for paragraph in doc.text:
        document.add_paragraph(paragraph, style="Quote")
    if doc.parameters:
        document.add_heading("Values used", level=2)
        _table(
            document,
            ["Parameter", "Value", "Origin"],
            [[p.label, p.value, p.origin] for p in doc.parameters],
        )
    document.add_heading("Monitoring schedule", level=2)
    _table(
        document,
        ["Obligation", "When", "Evidence"],
        [[o.title, o.when, ", ".join(o.evidence)] for o in doc.obligations],
    )
    if doc.evidence:
        document.add_heading("Evidence", level=2)
        _table(
            document,
            ["Evidence", "Formats", "Required content", "Confidentiality"],
            [
                [
                    e.label + (f" ({e.validity})" if e.validity else ""),
                    e.formats,
                    e.required_fields,
                    e.confidentiality,
                ]
                for e in doc.evidence
            ],
        )
    document.add_heading("Sources", level=2)
    for ref in doc.references:
        where = f", {ref.section}" if ref.section else ""
        by = f" ({ref.publisher})" if ref.publisher else ""
        document.add_paragraph(
            f"{ref.title}{where}{by}. {ref.url} ({ref.verification})", style="List Number"
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
