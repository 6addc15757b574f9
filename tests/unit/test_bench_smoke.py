"""Every benchmark program has a `--smoke` size, and CI runs each of them at it."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = sorted(
    p.stem for p in (ROOT / "bench").glob("*.py") if "\ndef parser(" in p.read_text("utf-8")
)


def test_the_benchmark_programs_are_found() -> None:
    assert {"generate", "materialise", "sweep", "relay", "report"} <= set(PROGRAMS)


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_benchmark_has_a_smoke_size(program: str) -> None:
    module = importlib.import_module(f"bench.{program}")
    parser: argparse.ArgumentParser = module.parser()
    options = {o for action in parser._actions for o in action.option_strings}
    assert "--smoke" in options


def test_ci_runs_every_benchmark_at_smoke_size_on_both_engines() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "grep -l '^def parser' bench/*.py" in ci
    assert "--smoke >/dev/null" in ci
    assert '--smoke --database-url "$PG_URL"' in ci
