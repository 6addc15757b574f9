"""`tracker backup` and `tracker restore`: the whole tracker (database, evidence store) to a
folder with a manifest of hashes, and back into an empty database and evidence folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.options import context
from tracker.cli.output import Format, FormatOption, emit_record


def backup(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="a new (or empty) folder for the backup")
    ],
    fmt: Format = FormatOption,
) -> None:
    """Copy the database (consistently, while the worker runs) and the evidence store to a
    folder, with a manifest of SHA-256 hashes. PostgreSQL needs pg_dump."""
    from tracker.backup import backup as make_backup

    emit_record(make_backup(context(writes=False, require_schema=False), out=out), fmt)


def restore(
    source: Annotated[Path, typer.Argument(metavar="DIR", help="a folder `tracker backup` wrote")],
    fmt: Format = FormatOption,
) -> None:
    """Restore a backup into an empty database (TRACKER_DATABASE_URL) and an empty evidence
    folder; checks every hash first, and the audit chain and evidence files after."""
    from tracker.backup import restore as restore_backup

    emit_record(restore_backup(context(require_schema=False), source=source), fmt)
