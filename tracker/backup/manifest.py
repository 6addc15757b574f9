"""The manifest of a backup folder: what it holds, each file with its size and SHA-256,
so a restore can refuse a copy that is incomplete or was altered after it was written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tracker.errors import BadInput

NAME = "manifest.json"
FORMAT = 1


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the backup folder, with forward slashes
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    tracker_version: str
    engine: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    audit_events: int
    audit_head: str
    database: FileEntry
    evidence: tuple[FileEntry, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def entry_for(folder: Path, path: Path) -> FileEntry:
    return FileEntry(path.relative_to(folder).as_posix(), path.stat().st_size, sha256_of(path))


def write(folder: Path, manifest: Manifest) -> None:
    """Written last, through a temporary name: a folder without a manifest is not a backup."""
    tmp = folder / (NAME + ".tmp")
    tmp.write_text(json.dumps(manifest.as_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / NAME)


def read(folder: Path) -> Manifest:
    path = folder / NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(
            f"{folder} has no {NAME}: it is not a finished tracker backup", field="source"
        ) from None
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path} cannot be read: {exc}", field="source") from None
    if data.get("format") != FORMAT:
        raise BadInput(
            f"{path} is backup format {data.get('format')!r}; this version reads {FORMAT}",
            field="source",
        )
    return Manifest(
        **{
            **data,
            "database": FileEntry(**data["database"]),
            "evidence": tuple(FileEntry(**e) for e in data["evidence"]),
        }
    )


def check(folder: Path, manifest: Manifest) -> None:
    """BadInput naming the first file that is missing or not what the manifest says."""
    for entry in (manifest.database, *manifest.evidence):
        path = folder / entry.path
        if not path.is_file():
            raise BadInput(f"{entry.path} is missing from the backup", field="source")
        if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
            raise BadInput(
                f"{entry.path} does not match the manifest's SHA-256: the backup was altered "
                "or damaged",
                field="source",
            )
