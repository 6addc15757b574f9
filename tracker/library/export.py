"""Render a clause for tender documents as Markdown, HTML or DOCX."""

from __future__ import annotations

from enum import StrEnum

from tracker.library.document import build
from tracker.library.parameters import resolve_values
from tracker.library.schema import ClauseFile
from tracker.rendering import render


class DocFormat(StrEnum):
    MD = "md"
    HTML = "html"
    DOCX = "docx"


def render_clause(clause: ClauseFile, params: dict[str, str], fmt: DocFormat) -> bytes:
    values = resolve_values(clause, params)
    doc = build(clause, values, set(params))
    if fmt is DocFormat.DOCX:
        from tracker.library.docx_writer import to_docx  # python-docx: only for .docx

        return to_docx(doc)
    return render(f"clauses/clause.{fmt.value}", doc=doc).encode("utf-8")
