"""Use cases name the field that is wrong, in their own words, never a CLI option: the web
and the API show the same error next to their own form field or JSON pointer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "tracker"
MODULES = sorted(
    [
        *ROOT.joinpath("obligations").glob("*.py"),
        *ROOT.joinpath("findings").glob("*.py"),
        *(ROOT / "evidence" / name for name in ("submission.py", "review.py", "renewals.py")),
        ROOT / "evidence" / "views.py",
        ROOT / "library" / "evidence_fields.py",
    ]
)


def _texts(message: ast.expr) -> list[str]:
    """The literal text of a message (a string or an f-string's fixed parts)."""
    parts = message.values if isinstance(message, ast.JoinedStr) else [message]
    return [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]


def _bad_inputs(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "BadInput"
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bad_input_names_its_field_and_no_cli_option(path: Path) -> None:
    for call in _bad_inputs(path):
        where = f"{path.name}:{call.lineno}"
        assert any(k.arg == "field" for k in call.keywords), f"{where}: BadInput without field="
        for text in _texts(call.args[0]) if call.args else []:
            assert "--" not in text, f"{where}: a use case names a CLI option: {text!r}"
            assert not text.startswith(("FILE:", "EVIDENCE_ID:", "OBLIGATION_ID:")), where


def test_the_modules_are_found() -> None:
    assert len(MODULES) >= 10
    assert sum(len(_bad_inputs(p)) for p in MODULES) >= 40
