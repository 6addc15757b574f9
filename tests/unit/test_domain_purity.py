"""The domain is pure: it imports nothing of the tracker outside itself and never reads
the clock (`now` is an argument)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tracker.domain

DOMAIN = Path(tracker.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_the_domain_imports_only_the_domain(path: Path) -> None:
    outside = {
        n for n in imported(path) if n.startswith("tracker") and not n.startswith("tracker.domain")
    }
    assert outside == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_the_domain_never_reads_the_clock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for reading in ("datetime.now(", "date.today(", "utc_now", "time.time("):
        assert reading not in text
