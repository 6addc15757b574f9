"""The evidence store on a real file system: abuse refused, content stored once, races safe."""

from __future__ import annotations

import hashlib
import io
import itertools
import multiprocessing
import os
import stat
from collections.abc import Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_evidence_formats import PNG, docx_bytes, minimal_pdf, xlsx_bytes, zip_bytes
from tracker.errors import BadInput, Failure
from tracker.evidence import EvidenceStore

MB = 1024 * 1024


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


def stored(root: Path) -> list[Path]:
    return [p for p in files_under(root) if p.parent.parent.parent == root]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
def store(root: Path) -> EvidenceStore:
    return EvidenceStore(root, max_bytes=MB)


def put_bytes(store: EvidenceStore, name: str, data: bytes, *accepted: str) -> Any:
    return store.put(io.BytesIO(data), original_name=name, accepted_formats=accepted)


class CountingStream(io.RawIOBase):
    """An endless upload from a generator; counts what the store actually read."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = b""
        self.delivered = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.pending:
            self.pending = next(self.chunks, b"")
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        self.delivered += size
        return size


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "C:\\x.pdf",
        "a\x00b.pdf",
        "..",
        "report\n.pdf",
        "..\\..\\boot.ini",
        "",
    ],
)
def test_abusive_names_refused_and_nothing_stored(
    store: EvidenceStore, root: Path, name: str
) -> None:
    with pytest.raises(BadInput, match=r"^files: the name"):
        put_bytes(store, name, minimal_pdf())
    assert files_under(root) == []


def test_oversize_stream_refused_early_and_nothing_left(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    store = EvidenceStore(root, max_bytes=100_000)
    raw = CountingStream(itertools.repeat(b"%PDF-" + bytes(4091)))
    with pytest.raises(BadInput, match=r"'big.pdf' is over the 97.7 KB limit"):
        store.put(io.BufferedReader(raw), original_name="big.pdf", accepted_formats=["pdf"])
    assert raw.delivered <= 100_000 + 1 + io.DEFAULT_BUFFER_SIZE
    assert files_under(root) == []


def test_oversize_file_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(minimal_pdf() + bytes(2 * MB))
    store = EvidenceStore(tmp_path / "evidence", max_bytes=MB)
    with pytest.raises(BadInput) as refused:
        store.put(big, original_name="report.pdf", accepted_formats=["pdf"])
    assert str(refused.value) == (
        "files: 'report.pdf' is 2 MB; the limit is 1 MB (TRACKER_EVIDENCE_MAX_BYTES)"
    )
    assert files_under(tmp_path / "evidence") == []


def test_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    data = b"x" * 999 + b"\n"
    store = EvidenceStore(tmp_path / "evidence", max_bytes=len(data))
    assert put_bytes(store, "a.txt", data).size == len(data)
    with pytest.raises(BadInput, match="is over the 1000 bytes limit"):
        put_bytes(store, "b.txt", data + b"y")


@pytest.mark.parametrize(
    ("name", "data", "accepted", "message"),
    [
        ("report.pdf", zip_bytes({"a": b"a"}), ("pdf",), "is not a PDF (its content is a ZIP"),
        ("report.txt", b"a report\n", ("pdf",), "'report.txt' is txt; evidence type"),
        ("sites.docx", docx_bytes(), ("pdf",), "'sites.docx' is docx; evidence type"),
        ("link.txt", b"https://example.com\n", ("url",), "accepts url"),
    ],
)
def test_wrong_format_refused_and_nothing_left(
    store: EvidenceStore,
    root: Path,
    name: str,
    data: bytes,
    accepted: tuple[str, ...],
    message: str,
) -> None:
    with pytest.raises(BadInput, match=message.replace("(", r"\(")):
        store.put(
            io.BytesIO(data),
            original_name=name,
            accepted_formats=accepted,
            type_label="recycler-certificate",
        )
    assert stored(root) == []
    assert list((root / "tmp").iterdir()) == []


@pytest.mark.parametrize(
    ("name", "data", "fmt", "media_type"),
    [
        ("certificate.pdf", minimal_pdf(), "pdf", "application/pdf"),
        ("sites.docx", docx_bytes(), "docx", "application/vnd.openxmlformats-"),
        ("smelters.xlsx", xlsx_bytes(), "xlsx", "application/vnd.openxmlformats-"),
        ("label.png", PNG, "png", "image/png"),
    ],
)
def test_right_formats_stored_read_only_under_their_hash(
    store: EvidenceStore, root: Path, name: str, data: bytes, fmt: str, media_type: str
) -> None:
    result = put_bytes(store, name, data, "pdf", "docx", "xlsx", "png")
    sha = hashlib.sha256(data).hexdigest()
    assert (result.sha256, result.size, result.format) == (sha, len(data), fmt)
    assert result.media_type.startswith(media_type)
    assert result.original_name == name
    assert result.created
    path = root / sha[:2] / sha[2:4] / sha
    assert stored(root) == [path] == [store.path_of(sha)]
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert list((root / "tmp").iterdir()) == []


def test_put_from_a_path(store: EvidenceStore, tmp_path: Path) -> None:
    source = tmp_path / "upload.bin"
    source.write_bytes(minimal_pdf())
    result = store.put(source, original_name="Åtgärdsplan.pdf", accepted_formats=[])
    assert result.format == "pdf"
    assert result.original_name == "Åtgärdsplan.pdf"
    with pytest.raises(BadInput, match="does not exist"):
        store.put(tmp_path / "nope.pdf", original_name="nope.pdf", accepted_formats=[])
    with pytest.raises(BadInput, match="is a folder"):
        store.put(tmp_path, original_name="x.pdf", accepted_formats=[])


def test_same_content_stored_once(store: EvidenceStore, root: Path) -> None:
    first = put_bytes(store, "a.pdf", minimal_pdf())
    second = put_bytes(store, "copy of a.pdf", minimal_pdf())
    assert first.created
    assert not second.created
    assert first.sha256 == second.sha256
    assert second.original_name == "copy of a.pdf"
    assert len(stored(root)) == 1
    assert list((root / "tmp").iterdir()) == []


def test_a_damaged_copy_is_repaired_by_the_next_put(store: EvidenceStore) -> None:
    sha = put_bytes(store, "a.pdf", minimal_pdf()).sha256
    path = store.path_of(sha)
    path.chmod(0o644)
    path.write_bytes(b"truncated")
    assert not put_bytes(store, "a.pdf", minimal_pdf()).created
    assert store.verify(sha, len(minimal_pdf())) is None


def _put_in_process(root: str, rounds: int, barrier: Barrier, results: Any) -> None:
    store = EvidenceStore(Path(root), max_bytes=16 * MB)
    outcome = []
    for n in range(rounds):
        barrier.wait(timeout=60)
        data = minimal_pdf(b"round %d" % n) + bytes(4 * MB)
        result = store.put(io.BytesIO(data), original_name="race.pdf", accepted_formats=["pdf"])
        outcome.append((result.sha256, result.created))
    results.put(outcome)


def test_two_processes_putting_the_same_file_at_once(root: Path) -> None:
    rounds = 4
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_put_in_process, args=(str(root), rounds, barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    for (sha_a, created_a), (sha_b, created_b) in zip(*outcomes, strict=True):
        assert sha_a == sha_b
        assert sorted([created_a, created_b]) == [False, True]
    assert len(stored(root)) == rounds
    assert list((root / "tmp").iterdir()) == []


def test_verify(store: EvidenceStore) -> None:
    intact = put_bytes(store, "a.pdf", minimal_pdf(b"a"))
    changed = put_bytes(store, "b.pdf", minimal_pdf(b"b"))
    resized = put_bytes(store, "c.pdf", minimal_pdf(b"c"))
    missing = put_bytes(store, "d.pdf", minimal_pdf(b"d"))
    path = store.path_of(changed.sha256)
    path.chmod(0o644)
    path.write_bytes(minimal_pdf(b"B"))  # same size, other content
    store.path_of(resized.sha256).chmod(0o644)
    with store.path_of(resized.sha256).open("ab") as file:
        file.write(b"\n")
    store.path_of(missing.sha256).unlink()

    assert store.verify(intact.sha256, intact.size) is None
    assert store.verify(changed.sha256, changed.size) == "changed"
    assert store.verify(resized.sha256, resized.size) == "changed"
    assert store.verify(missing.sha256, missing.size) == "missing"
    everything = ((f.sha256, f.size) for f in (intact, changed, resized, missing))
    assert store.verify_all(everything) == [
        (changed.sha256, "changed"),
        (resized.sha256, "changed"),
        (missing.sha256, "missing"),
    ]


@pytest.mark.parametrize(
    "sha",
    [
        "",
        "abc",
        "../" + "a" * 61,
        "A" * 64,
        "g" * 64,
        "a" * 63,
        "a" * 65,
        "a" * 64 + "\n",
        "../../../../etc/passwd",
    ],
)
def test_path_of_refuses_anything_but_a_hex_digest(store: EvidenceStore, sha: str) -> None:
    with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
        store.path_of(sha)


def test_open_and_export(store: EvidenceStore, tmp_path: Path) -> None:
    data = docx_bytes()
    sha = put_bytes(store, "sites.docx", data).sha256
    with store.open(sha) as file:
        assert file.read() == data
    dest = tmp_path / "out" / "sites.docx"
    dest.parent.mkdir()
    dest.write_bytes(b"an older export")
    store.export(sha, dest)
    assert dest.read_bytes() == data
    assert os.listdir(dest.parent) == ["sites.docx"]
    with pytest.raises(BadInput, match="is a folder"):
        store.export(sha, dest.parent)
    with pytest.raises(BadInput, match="does not exist"):
        store.export(sha, tmp_path / "nowhere" / "x.docx")


def test_export_refuses_a_changed_or_missing_file(store: EvidenceStore, tmp_path: Path) -> None:
    sha = put_bytes(store, "a.pdf", minimal_pdf()).sha256
    path = store.path_of(sha)
    path.chmod(0o644)
    path.write_bytes(minimal_pdf(b"tampered"))
    with pytest.raises(Failure, match="has changed on disk"):
        store.export(sha, tmp_path / "a.pdf")
    path.unlink()
    with pytest.raises(Failure, match="is missing"):
        store.export(sha, tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["evidence"]
