"""One atomic write for every file the tracker produces: old or new, never half."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from tracker.files import write_atomic


def test_writes_and_replaces_leaving_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "q4.pdf"
    write_atomic(target, b"first")
    write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == ["q4.pdf"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, cast(Any, "not bytes"))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
