"""Render a clause for tender documents as Markdown, HTML or DOCX."""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path

from tracker.errors import BadInput, Failure
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


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` through a temporary file, so a crash never leaves half a
    document behind."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput(f"-o: the directory {directory} does not exist")
    if path.is_dir():
        raise BadInput(f"-o: {path} is a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise Failure(f"-o: cannot write {path}: {exc.strerror}") from None
