"""`backup` and `restore`: the database copy first, then the evidence store, then the
manifest; a restore checks every hash before it writes anything, and the audit chain and
the evidence files after."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from tracker import __version__
from tracker.audit import trail
from tracker.backup import database, manifest
from tracker.backup.manifest import FileEntry, Manifest
from tracker.context import Context
from tracker.errors import BadInput, Failure
from tracker.evidence.submission import verify_files

EVIDENCE = "evidence"
_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class BackupResult:
    folder: str
    engine: str
    schema_revision: str | None
    database_bytes: int
    evidence_files: int
    evidence_bytes: int
    audit_events: int
    audit_head: str


@dataclass(frozen=True)
class RestoreResult:
    folder: str
    engine: str
    schema_revision: str | None
    evidence_files: int
    audit_events: int
    audit_head: str
    evidence_verified: bool


def backup(ctx: Context, *, out: Path) -> BackupResult:
    """Write a consistent copy of the database, the evidence store and a manifest to `out`
    (a new or empty folder). Safe while the worker and the web app run."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(
            f"{out} already exists and is not an empty folder; name a new one", field="out"
        )
    out.mkdir(parents=True, exist_ok=True)
    engine = ctx.engine.dialect.name
    if engine == "sqlite":
        db_file = out / database.SQLITE_FILE
        head = database.copy_sqlite(ctx.settings.database_url, db_file)
    else:
        db_file = out / database.PG_FILE
        head = database.copy_postgres(ctx.engine, ctx.settings.database_url, db_file)
    # After the database: a file is stored before the row naming it commits and is never
    # changed or removed, so every file the copy names is in the store by now.
    evidence = _copy_evidence(ctx.settings.evidence_dir, out)
    found = Manifest(
        format=manifest.FORMAT,
        created_at=ctx.now.astimezone(UTC).isoformat(timespec="seconds"),
        tracker_version=__version__,
        engine=engine,
        schema_revision=head.revision,
        audit_events=head.events,
        audit_head=head.hash,
        database=manifest.entry_for(out, db_file),
        evidence=tuple(evidence),
    )
    manifest.write(out, found)
    return BackupResult(
        folder=str(out),
        engine=engine,
        schema_revision=head.revision,
        database_bytes=found.database.size,
        evidence_files=len(evidence),
        evidence_bytes=sum(e.size for e in evidence),
        audit_events=head.events,
        audit_head=head.hash,
    )


def _copy_evidence(root: Path, out: Path) -> list[FileEntry]:
    entries: list[FileEntry] = []
    if not root.is_dir():
        return entries
    for path in sorted(root.glob("??/??/*")):
        # Only published files: `tmp/` holds uploads in progress.
        if not (path.is_file() and _HEX64.fullmatch(path.name)):
            continue
        target = out / EVIDENCE / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        entry = manifest.entry_for(out, target)
        if entry.sha256 != path.name:
            raise Failure(
                f"evidence file {path} does not match its SHA-256; run `tracker evidence verify`"
            )
        entries.append(entry)
    return entries


def restore(ctx: Context, *, source: Path) -> RestoreResult:
    """Restore the backup in `source` into this (empty) database and (empty) evidence
    folder, then check the audit chain and every evidence file."""
    found = manifest.read(source)
    manifest.check(source, found)
    engine = ctx.engine.dialect.name
    if found.engine != engine:
        raise BadInput(
            f"the backup is of a {found.engine} database; restore it into one "
            f"(TRACKER_DATABASE_URL names a {engine} database)",
            field=None,
        )
    root = ctx.settings.evidence_dir
    if root.exists() and any(root.iterdir()):
        raise BadInput(
            f"the evidence folder {root} is not empty; restore into an empty one", field=None
        )
    url = ctx.settings.database_url
    empty = (
        database.sqlite_is_empty(url)
        if engine == "sqlite"
        else database.postgres_is_empty(ctx.engine)
    )
    if not empty:
        raise BadInput(
            "the database already has tables; restore into an empty database", field=None
        )
    ctx.engine.dispose()  # no pooled connection may see the file before it is replaced
    db_file = source / found.database.path
    if engine == "sqlite":
        database.restore_sqlite(url, db_file)
    else:
        database.restore_postgres(url, db_file)
    _restore_evidence(source, found.evidence, root)
    ctx.engine.dispose()
    chain = trail.verify(ctx, expect_head=found.audit_head or None)
    if not chain.ok or chain.events != found.audit_events:
        raise Failure(f"the restored audit trail does not match the backup: {chain.detail}")
    problems = verify_files(ctx)
    if problems:
        raise Failure(f"{len(problems)} restored evidence file(s) are missing or changed")
    return RestoreResult(
        folder=str(source),
        engine=engine,
        schema_revision=found.schema_revision,
        evidence_files=len(found.evidence),
        audit_events=chain.events,
        audit_head=chain.head,
        evidence_verified=True,
    )


def _restore_evidence(source: Path, entries: tuple[FileEntry, ...], root: Path) -> None:
    # A root we create is private to this user, as the store makes it: evidence may be
    # restricted.
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for entry in entries:
        relative = Path(entry.path).relative_to(EVIDENCE)
        if not _HEX64.fullmatch(relative.name) or len(relative.parts) != 3:
            raise BadInput(f"{entry.path} is not an evidence file's path", field="source")
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        shutil.copyfile(source / entry.path, tmp)
        with tmp.open("rb") as file:
            os.fsync(file.fileno())
        tmp.replace(target)
