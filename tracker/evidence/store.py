"""Evidence files on disk, each stored once under the SHA-256 of its content.

Layout: `root/ab/cd/abcd…` (64 hex digits). A stored file's path comes only from a hash
we computed or validated, never from the uploader's file name, which is metadata (see
`clean_filename`): a crafted name or hash cannot reach outside `root`.

A put streams into `root/tmp/` while hashing and counting (a huge upload is stopped at the
limit, never held in memory), checks the format, fsyncs, and publishes with `os.link`,
which never overwrites: the same content put twice, even by two processes at the same
moment, is stored once and exactly one caller is told it created it. Whatever goes wrong,
the temporary is removed, so nothing half-written is ever left behind or published.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tracker.errors import BadInput, Failure
from tracker.evidence import formats

CHUNK = 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DRIVE = re.compile(r"[A-Za-z]:")
# Bidirectional controls let "invoice\u202efdp.exe" display as "invoiceexe.pdf".
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    format: str  # the detected token, as in a clause's accepted_formats ("pdf", "xlsx")
    original_name: str  # cleaned, for display and download names only
    created: bool  # False when this content was already stored


def clean_filename(name: str) -> str:
    """The uploader's file name, NFC-normalised, or BadInput if it could be mistaken for a
    path or could mislead whoever reads it. It is still never used as a path."""
    cleaned = unicodedata.normalize("NFC", name)
    problem = _name_problem(cleaned)
    if problem is not None:
        raise BadInput(
            f"the name {name!r} {problem}; give a plain name such as 'report.pdf'", field="files"
        )
    return cleaned


def _name_problem(name: str) -> str | None:
    if not name.strip():
        return "is empty"
    if any(c in _BIDI or unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in name):
        return "contains control characters"
    if "/" in name or "\\" in name:
        return "contains a path separator"
    if name == "." or name.startswith(".."):
        return "starts with a relative path component"
    if _DRIVE.match(name):
        return "looks like a Windows drive path"
    if (length := len(name.encode("utf-8"))) > 255:
        return f"is {length} bytes long in UTF-8; the limit is 255"
    return None


class EvidenceStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        """Where a hash is stored; ValueError unless exactly 64 lowercase hex digits."""
        if not isinstance(sha256, str) or not _HEX64.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(
        self,
        source: BinaryIO | Path,
        *,
        original_name: str,
        accepted_formats: Sequence[str],
        type_label: str | None = None,
    ) -> StoredFile:
        """Store `source` (an open binary stream, or a file to read), checking its size and
        that its content is one of `accepted_formats` (empty: anything). `type_label` names
        the evidence type in the refusal message."""
        name = clean_filename(original_name)  # before anything touches the disk
        accepted = tuple(accepted_formats)
        if isinstance(source, Path):
            with self._open_source(source, name) as stream:
                return self._put(stream, name, accepted, type_label)
        return self._put(source, name, accepted, type_label)

    def open(self, sha256: str) -> BinaryIO:
        path = self.path_of(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            raise Failure(f"evidence file {sha256} is missing from {self.root}") from exc

    def export(self, sha256: str, dest: Path) -> None:
        """Copy a stored file to `dest` atomically (a reader never sees half of it), after
        checking on the way that its content still matches its hash."""
        if dest.is_dir():
            raise BadInput(
                f"{str(dest)!r} is a folder; give the name of a file to write", field="dest"
            )
        folder = dest.parent
        if not folder.is_dir():
            raise BadInput(f"the folder {str(folder)!r} does not exist", field="dest")
        with self.open(sha256) as source:
            try:
                fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".part")
            except OSError as exc:
                raise BadInput(
                    f"cannot write in {str(folder)!r}: {exc.strerror}", field="dest"
                ) from exc
            tmp = Path(tmp_name)
            try:
                digest = hashlib.sha256()
                with open(fd, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if digest.hexdigest() != sha256:
                    raise Failure(
                        f"evidence file {sha256} has changed on disk since it was stored; "
                        "not exported"
                    )
                os.replace(tmp, dest)
                _fsync_dir(folder)
            except OSError as exc:
                raise Failure(f"could not write {str(dest)!r}: {exc.strerror}") from exc
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def verify(self, sha256: str, size: int) -> str | None:
        """None if the stored file is intact, "missing" or "changed" otherwise."""
        path = self.path_of(sha256)
        try:
            with path.open("rb") as file:
                if os.fstat(file.fileno()).st_size != size:
                    return "changed"
                digest = hashlib.file_digest(file, "sha256").hexdigest()
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            raise Failure(f"cannot read evidence file {path}: {exc.strerror}") from exc
        return None if digest == sha256 else "changed"

    def verify_all(self, expected: Iterable[tuple[str, int]]) -> list[tuple[str, str]]:
        """(sha256, problem) for each expected file that is not intact, one file at a time."""
        return [(sha, p) for sha, size in expected if (p := self.verify(sha, size)) is not None]

    # -- put, step by step

    @contextlib.contextmanager
    def _open_source(self, path: Path, name: str) -> Iterator[BinaryIO]:
        try:
            stream = path.open("rb")
        except FileNotFoundError as exc:
            raise BadInput(f"{str(path)!r} does not exist", field="files") from exc
        except IsADirectoryError as exc:
            raise BadInput(f"{str(path)!r} is a folder, not a file", field="files") from exc
        except OSError as exc:
            raise BadInput(f"{str(path)!r} cannot be read: {exc.strerror}", field="files") from exc
        with stream:
            info = os.fstat(stream.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > self.max_bytes:
                raise self._too_big(name, info.st_size)
            yield stream

    def _put(
        self, stream: BinaryIO, name: str, accepted: tuple[str, ...], type_label: str | None
    ) -> StoredFile:
        tmp_dir = self.root / "tmp"
        try:
            # A root we create is private to this user: evidence may be restricted (factory
            # lists). A root the administrator made keeps the permissions they chose.
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp_dir.mkdir(exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="put-", suffix=".part")
        except OSError as exc:
            problem = f"cannot write evidence files in {str(tmp_dir)!r}: {exc.strerror}"
            raise Failure(problem) from exc
        tmp = Path(tmp_name)
        try:
            sha256, size = self._receive(stream, fd, name)
            fmt = formats.detect(tmp, name)
            formats.check_accepted(fmt, accepted, name, type_label)
            os.chmod(tmp, 0o444)
            created = self._publish(tmp, sha256, size)
        except OSError as exc:
            raise Failure(f"could not store {name!r}: {exc.strerror or exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()  # after a publish only the stored link remains
        return StoredFile(sha256, size, formats.media_type(fmt), fmt, name, created)

    def _receive(self, stream: BinaryIO, fd: int, name: str) -> tuple[str, int]:
        """Copy into the temporary while hashing; read at most max_bytes + 1 bytes."""
        digest = hashlib.sha256()
        size = 0
        with open(fd, "wb") as out:
            while chunk := stream.read(min(CHUNK, self.max_bytes + 1 - size)):
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_big(name, None)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return digest.hexdigest(), size

    def _publish(self, tmp: Path, sha256: str, size: int) -> bool:
        """Give the temporary its final name; False if that content was already there."""
        final = self.path_of(sha256)
        _make_dirs(final.parent)
        try:
            os.link(tmp, final)
        except FileExistsError:
            if final.stat().st_size != size:  # a damaged copy; ours matches the hash
                os.replace(tmp, final)
                _fsync_dir(final.parent)
            return False
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            # No hard links on this file system: same result, but two racing puts may
            # both be told they created the file.
            if final.exists():
                return False
            os.replace(tmp, final)
        _fsync_dir(final.parent)
        return True

    def _too_big(self, name: str, size: int | None) -> BadInput:
        limit = _human(self.max_bytes)
        if size is None:
            what = f"is over the {limit} limit"
        elif _human(size) == limit:
            what = f"is {size} bytes; the limit is {self.max_bytes} bytes"
        else:
            what = f"is {_human(size)}; the limit is {limit}"
        return BadInput(f"{name!r} {what} (TRACKER_EVIDENCE_MAX_BYTES)", field="files")


def _human(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _make_dirs(folder: Path) -> None:
    """Create `folder` and its missing parents, making the new entries durable."""
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        _fsync_dir(created.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals its metadata
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
