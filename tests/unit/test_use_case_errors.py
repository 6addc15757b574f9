"""Use cases name the field that is wrong, in their own words, never a CLI option: the web
and the API show the same error next to their own form field or JSON pointer, the CLI maps
the field to its option (`tracker/cli/errors.py`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tracker.cli.errors import cli_message, option_for
from tracker.errors import BadInput

ROOT = Path(__file__).resolve().parents[2] / "tracker"
# Every module but the doors that speak a vocabulary of their own (the CLI's options) and
# the migrations, which raise nothing a user sees.
MODULES = sorted(
    p for p in ROOT.rglob("*.py") if not {"cli", "migrations"} & set(p.relative_to(ROOT).parts)
)
ERRORS = {"BadInput", "NotFound", "ConfigError", "Failure", "TrackerError", "BadPublication"}
NEEDS_FIELD = {"BadInput", "NotFound"}


def _texts(message: ast.expr) -> list[str]:
    """The literal text of a message (a string or an f-string's fixed parts)."""
    parts = message.values if isinstance(message, ast.JoinedStr) else [message]
    return [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]


def _raised(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERRORS
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_errors_name_their_field_and_no_cli_option(path: Path) -> None:
    for call in _raised(path):
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        name = call.func.id  # type: ignore[attr-defined]
        if name in NEEDS_FIELD:
            assert any(k.arg == "field" for k in call.keywords), f"{where}: {name} without field="
        first = _texts(call.args[0])[:1] if call.args else []
        for text in _texts(call.args[0]) if call.args else []:
            assert '"--' not in text, f"{where}: a use case names a CLI option: {text!r}"
            assert not text.startswith("--"), f"{where}: a use case names a CLI option: {text!r}"
        for text in first:
            # A setting's name (TRACKER_SMTP_URL: ...) is what the user fixes; an argument's
            # placeholder (FILE: ..., ID: ...) is the CLI's business.
            head = text.split(":", 1)[0]
            placeholder = head.isupper() and ":" in text and not head.startswith("TRACKER_")
            assert not placeholder, f"{where}: names a CLI argument: {text!r}"


def _argument_of_a_program(line: str) -> bool:
    """`[pg_dump, "--format=custom", ...]`: options of another program, not a message."""
    return line.strip().startswith(("[", '"--', "'--", 'f"--'))


def test_no_module_outside_the_cli_spells_an_option() -> None:
    """The plain check the issue asked for: `"--` appears in no use-case module."""
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in MODULES
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if ('"--' in line or "'--" in line) and not _argument_of_a_program(line)
    ]
    assert offenders == []


def test_the_scan_sees_the_use_cases() -> None:
    assert len(MODULES) > 60
    assert sum(len(_raised(p)) for p in MODULES) > 150


@pytest.mark.parametrize(
    ("field", "option"),
    [
        ("end_on", "--end"),
        ("params.disclosure_period", "--param disclosure_period"),
        ("fields.audit_date", "--field audit_date"),
        ("obligation_id", "OBLIGATION_ID"),
        ("reason", "--reason"),
        ("resubmit_by", "--resubmit-by"),
    ],
)
def test_the_cli_names_the_option_of_a_field(field: str, option: str) -> None:
    assert option_for(field) == option
    assert cli_message(BadInput("is wrong", field=field)) == f"{option}: is wrong"
