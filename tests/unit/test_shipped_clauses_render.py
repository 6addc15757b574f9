"""Every shipped clause renders for tender documents in every format, with its sources."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tracker.library.export import DocFormat, render_clause
from tracker.library.loader import load_library
from tracker.paths import shipped_clauses_dir

LIBRARY = load_library(shipped_clauses_dir())
IDS = sorted(LIBRARY.clauses)


@pytest.mark.parametrize("clause_id", IDS)
def test_markdown_has_filled_text_schedule_and_every_source(clause_id: str) -> None:
    clause = LIBRARY.get(clause_id)
    text = render_clause(clause, {}, DocFormat.MD).decode("utf-8")
    assert "{" not in text.split("## Clause", 1)[1].split("## ", 1)[0]  # no placeholder left
    assert text.count("| ") >= len(clause.obligations)
    for template in clause.obligations:
        assert template.title in text
    for reference in clause.references:
        assert reference.url in text


@pytest.mark.parametrize("clause_id", IDS)
def test_html_and_docx_render(clause_id: str) -> None:
    clause = LIBRARY.get(clause_id)
    html = render_clause(clause, {}, DocFormat.HTML).decode("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<h2>Monitoring schedule</h2>" in html
    document = Document(io.BytesIO(render_clause(clause, {}, DocFormat.DOCX)))
    assert document.paragraphs[0].text == clause.title
    assert len(document.tables) >= 1
