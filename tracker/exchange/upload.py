"""One uploaded file of contracts (an OCDS publication or a spreadsheet): kept aside until the
person confirms, checked with a dry run, then imported by the same use cases as the CLI's
`import ocds` and `import contracts`.

A staged file lives in its own folder, inside a private folder of the system's temporary
directory, named by a random key and the id of the person who uploaded it: nobody else can
confirm it, and a key guessed or copied from another session finds nothing. Staged files
left unconfirmed are removed after a day.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from tracker.context import Context
from tracker.errors import BadInput, Failure, NotFound
from tracker.exchange.ocds_import import import_ocds
from tracker.exchange.ocds_read import BadPublication
from tracker.exchange.spreadsheet import BadSpreadsheet, import_contracts

STAGING = "tracker-imports"
KEEP_SECONDS = 24 * 3600
_KEY = re.compile(r"[0-9a-f]{32}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileKind(StrEnum):
    OCDS = "ocds"
    SPREADSHEET = "spreadsheet"


SUFFIXES = {
    ".json": FileKind.OCDS,
    ".jsonl": FileKind.OCDS,
    ".ndjson": FileKind.OCDS,
    ".xlsx": FileKind.SPREADSHEET,
    ".csv": FileKind.SPREADSHEET,
}


@dataclass(frozen=True, slots=True)
class StagedFile:
    key: str
    name: str
    kind: FileKind


@dataclass(frozen=True, slots=True)
class ImportedRow:
    """One contract of the file: what happened (or would) and the details that matter."""

    reference: str
    action: str
    supplier: str
    details: list[str]


@dataclass(frozen=True, slots=True)
class FileProblem:
    where: str  # "contracts.csv row 4, column end_on" or "feed.json at /releases/0/date"
    message: str


@dataclass(frozen=True, slots=True)
class FileImport:
    name: str
    kind: FileKind
    dry_run: bool
    rows: list[ImportedRow]
    problems: list[FileProblem]


def kind_of(name: str) -> FileKind:
    kind = SUFFIXES.get(Path(name).suffix.lower())
    if kind is None:
        raise BadInput(
            f"{name!r} is neither an OCDS file (.json, .jsonl) nor a spreadsheet (.xlsx, .csv)",
            field="file",
        )
    return kind


def _root() -> Path:
    """This user's private staging folder; refused if someone else made it (a shared
    temporary directory must not let another account read or swap uploads)."""
    root = Path(tempfile.gettempdir()) / f"{STAGING}-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    found = root.lstat()
    if root.is_symlink() or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise Failure(f"{root} is not a private folder of this user: remove it and try again")
    return root


def stage(owner_id: int, stream: IO[bytes], name: str) -> StagedFile:
    """Copy an upload aside for `owner_id`, in chunks (never whole in memory)."""
    safe = _UNSAFE.sub("-", Path(name).name).strip(".-")[:100] or "upload"
    kind = kind_of(safe)
    _forget_old()
    key = secrets.token_hex(16)
    folder = _root() / f"{owner_id}-{key}"
    folder.mkdir(mode=0o700)
    with (folder / safe).open("wb") as out:
        shutil.copyfileobj(stream, out, length=1024 * 1024)
    return StagedFile(key=key, name=safe, kind=kind)


def _staged(owner_id: int, key: str) -> Path:
    folder = _root() / f"{owner_id}-{key}"
    files = list(folder.iterdir()) if _KEY.fullmatch(key) and folder.is_dir() else []
    if len(files) != 1:
        raise NotFound(
            "this upload is no longer waiting to be imported: upload the file again",
            field="file",
        )
    return files[0]


def discard(owner_id: int, key: str) -> None:
    if _KEY.fullmatch(key):
        shutil.rmtree(_root() / f"{owner_id}-{key}", ignore_errors=True)


def _forget_old() -> None:
    root = _root()
    limit = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def import_staged(
    ctx: Context,
    owner_id: int,
    key: str,
    *,
    dry_run: bool,
    manager_email: str | None = None,
    attach_suggested: bool = False,
) -> FileImport:
    """Check (with `dry_run`) or import a staged file; a file with problems writes nothing
    and lists each problem with its row or JSON path. The real import removes the file."""
    path = _staged(owner_id, key)
    kind = kind_of(path.name)
    try:
        if kind is FileKind.OCDS:
            with path.open("rb") as stream:
                report = import_ocds(
                    ctx,
                    [(path.name, stream)],
                    dry_run=dry_run,
                    manager_email=manager_email,
                    attach_suggested=attach_suggested,
                )
            rows = [
                ImportedRow(
                    c.reference,
                    c.action,
                    c.supplier,
                    [*c.changes, *(f"moved: {m}" for m in c.rescheduled)]
                    + ([f"clauses: {', '.join(c.attached)}"] if c.attached else [])
                    + ([c.note] if c.note else []),
                )
                for c in report.contracts
            ]
        else:
            sheet = import_contracts(
                ctx, name=path.name, content=path.read_bytes(), dry_run=dry_run
            )
            rows = [
                ImportedRow(
                    r.reference,
                    r.action,
                    r.supplier,
                    [f"row {r.row}", *r.changes]
                    + ([f"clauses: {', '.join(r.attached)}"] if r.attached else []),
                )
                for r in sheet.rows
            ]
    except BadSpreadsheet as exc:
        problems = [
            FileProblem(
                f"{p.sheet} row {p.row}" + (f", column {p.column}" if p.column else ""), p.message
            )
            for p in exc.problems
        ]
        return FileImport(path.name, kind, dry_run, [], problems)
    except BadPublication as exc:
        return FileImport(
            path.name, kind, dry_run, [], [FileProblem(f"{exc.source} at {exc.field}", exc.message)]
        )
    if not dry_run:
        discard(owner_id, key)
    return FileImport(path.name, kind, dry_run, rows, [])
