"""Every text the portal passes through `_(...)`: in its Python code and its templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = [*sorted((ROOT / "tracker" / "portal").glob("*.py")), ROOT / "tracker/web/portal/routes.py"]
TEMPLATES = sorted((ROOT / "templates" / "web" / "portal").glob("*.*"))
_CALL = re.compile(r'_\("((?:[^"\\]|\\.)*)"')
# Words the pages translate from data: obligation and evidence statuses.
STATUSES = (
    "upcoming", "due", "overdue", "submitted", "accepted", "rejected", "waived",
    "not_applicable", "superseded",
)  # fmt: skip


def msgids() -> set[str]:
    found: set[str] = set(STATUSES)
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    for path in TEMPLATES:
        for match in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1).replace('\\"', '"'))
    return found
